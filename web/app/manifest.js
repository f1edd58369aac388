// The one reader of manifest.json (the contract's SiteManifest; rlministyler/manifest.schema.json):
// it checks the format, its version and every field the page and the worker use, and fails in one
// line naming the first field that is wrong.

const FORMAT = 'rlministyler-web';
const FORMAT_VERSION = 1;

function shown(value) {
  const text = JSON.stringify(value);
  return text === undefined ? 'nothing' : text.slice(0, 40);
}

function fail(field, want, value) {
  throw new Error(`manifest.json: field '${field}' must be ${want}, got ${shown(value)}`);
}

const isInt = (v) => Number.isInteger(v);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function check(ok, field, want, value) {
  if (!ok) fail(field, want, value);
  return value;
}

const string = (o, key, at) => check(typeof o[key] === 'string', `${at}${key}`, 'a string', o[key]);
const integer = (o, key, at, min = 0) => check(isInt(o[key]) && o[key] >= min, `${at}${key}`,
  min ? `an integer >= ${min}` : 'a whole number', o[key]);
const object = (o, key, at) => check(isObject(o[key]), `${at}${key}`, 'an object', o[key]);
const size = (o, key, at) => check(o[key] === null || (Array.isArray(o[key]) && o[key].length === 2
  && o[key].every((d) => isInt(d) && d > 0)), `${at}${key}`, 'null or [height, width]', o[key]);

function checkModel(model) {
  const at = 'model.';
  check(['full', 'baked', 'split'].includes(model.variant), 'model.variant', "'full', 'baked' or 'split'",
    model.variant);
  const steps = model.steps;
  check(Array.isArray(steps) && steps.length > 0 && steps.every((s) => isInt(s) && s > 0), 'model.steps',
    'a list of steps', steps);
  const files = object(model, 'files', at);
  const outputs = object(model, 'outputs', at);
  for (const step of steps) {
    string(files, step, 'model.files.');
    string(outputs, step, 'model.outputs.');
  }
  if (model.files_fp16 !== undefined && model.files_fp16 !== null) { // fp16 copies for WebGPU
    const halves = object(model, 'files_fp16', at);
    for (const step of steps) string(halves, step, 'model.files_fp16.');
  }
  if (model.variant === 'split') string(model, 'style_encoder', at); // the worker encodes styles with it
  else check(model.style_encoder === null || typeof model.style_encoder === 'string', 'model.style_encoder',
    'a string or null', model.style_encoder);
  string(model, 'style_input', at);
  check(Array.isArray(model.style_tensors) && model.style_tensors.every((n) => typeof n === 'string'),
    'model.style_tensors', 'a list of names', model.style_tensors);
  integer(model, 'size_multiple', at, 1);
  integer(model, 'min_size', at);
  size(model, 'static_size', at);
  integer(model, 'style_size', at);
  size(model, 'style_static_size', at);
}

/** The manifest object, checked; `base` (the site's URL) is added for the worker's fetches. */
export function readManifest(data, base) {
  if (!isObject(data) || data.format !== FORMAT) {
    throw new Error('manifest.json is not the manifest of a site built by `rlministyler web`');
  }
  const version = integer(data, 'format_version', '', 1);
  if (version > FORMAT_VERSION) {
    throw new Error(`manifest.json: manifest format ${version} is newer than this page reads `
      + `(up to ${FORMAT_VERSION}): build the site again`);
  }
  checkModel(object(data, 'model', ''));
  check(Array.isArray(data.styles), 'styles', 'a list', data.styles);
  data.styles.forEach((style, i) => {
    check(isObject(style), `styles[${i}]`, 'an object', style);
    string(style, 'name', `styles[${i}].`);
    string(style, 'file', `styles[${i}].`);
  });
  const ort = object(data, 'ort', '');
  for (const key of ['version', 'dir', 'wasm', 'webgpu']) string(ort, key, 'ort.');
  return { ...data, base };
}

/** Fetch the site's manifest.json and read it. */
export async function loadManifest(base) {
  const response = await fetch('manifest.json').catch(() => null);
  if (!response?.ok) throw new Error('manifest.json not found: serve a folder made by `rlministyler web`');
  const data = await response.json().catch(() => {
    throw new Error('manifest.json is not valid JSON');
  });
  return readManifest(data, base);
}
