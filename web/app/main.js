// The page: sources, controls, the live loop and the scripting hook `window.rlministyler`.
// Inference runs in a worker (engine.js, worker.js); a live frame is sent only when the previous
// one has come back, so frames the model cannot keep up with are dropped, never queued.

import { Engine } from './engine.js';
import { loadManifest } from './manifest.js';
import { openCamera, openImage, openVideoFile, sourceSize } from './sources.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const view = $('view');
const viewCtx = view.getContext('2d');
const grabCanvas = document.createElement('canvas');
const grabCtx = grabCanvas.getContext('2d', { willReadFrequently: true });
const outCanvas = document.createElement('canvas');
const outCtx = outCanvas.getContext('2d');

const state = {
  manifest: null, engine: null, ready: false, error: null, backend: 'loading', threads: 0,
  step: 0, style: null, styleNames: new Map(), scale: Number(params.get('scale') || 1), effect: true,
  source: null, busy: false, dirty: false, frames: 0, times: [], inferMs: 0, last: null, styleCount: 0,
};

function showError(err) {
  const text = String(err?.message || err).split('\n')[0];
  state.error = text;
  $('error').textContent = text;
  $('error').hidden = false;
  console.error(text);
}

function clearError() {
  state.error = null;
  $('error').hidden = true;
}

function fps() {
  const t = state.times;
  return t.length < 2 ? 0 : (1000 * (t.length - 1)) / (t[t.length - 1] - t[0]);
}

function backendLabel() {
  if (state.backend === 'webgpu') return 'WebGPU';
  if (state.backend === 'wasm') return `WASM (SIMD, ${state.threads} thread${state.threads === 1 ? '' : 's'})`;
  return state.backend;
}

function updateReadout() {
  const styleName = state.styleNames.get(state.style) || (state.manifest?.model.variant === 'baked' ? 'baked' : '—');
  $('readout').textContent = `${fps().toFixed(1)} fps · ${state.inferMs.toFixed(0)} ms inference · `
    + `${backendLabel()} · step ${state.step} · ${styleName}`;
}

/** The network's input size for a frame: the model's static size, or the frame times the scale. */
function networkSize(width, height, scale) {
  const { static_size: fixed, min_size: low } = state.manifest.model;
  if (fixed) return [fixed[1], fixed[0]];
  return [Math.max(low, Math.round(width * scale)), Math.max(low, Math.round(height * scale))];
}

function grab(element, width, height, nw, nh) {
  grabCanvas.width = nw;
  grabCanvas.height = nh;
  grabCtx.imageSmoothingQuality = 'high';
  grabCtx.drawImage(element, 0, 0, width, height, 0, 0, nw, nh);
  return grabCtx.getImageData(0, 0, nw, nh);
}

async function runNetwork(input, step, style) {
  const res = await state.engine.run(step, style, input.width, input.height, input.data);
  state.inferMs = res.inferMs;
  return { output: new ImageData(res.data, res.width, res.height), inferMs: res.inferMs };
}

function display(output, width, height) {
  if (view.width !== width || view.height !== height) [view.width, view.height] = [width, height];
  if (output.width === width && output.height === height) {
    viewCtx.putImageData(output, 0, 0);
    return;
  }
  [outCanvas.width, outCanvas.height] = [output.width, output.height];
  outCtx.putImageData(output, 0, 0);
  viewCtx.imageSmoothingQuality = 'high';
  viewCtx.drawImage(outCanvas, 0, 0, width, height);
}

async function processFrame() {
  const source = state.source;
  const [width, height] = sourceSize(source);
  if (!width || !height) return;
  const [nw, nh] = networkSize(width, height, state.scale);
  const input = grab(source.element, width, height, nw, nh);
  const { step, style } = state;
  const { output } = await runNetwork(input, step, style);
  if (source !== state.source) return;
  display(output, width, height);
  state.frames += 1;
  state.times.push(performance.now());
  if (state.times.length > 30) state.times.shift();
  state.last = { input, output, step, style };
  if (state.error && state.error.startsWith('stylise:')) clearError();
}

function drawRaw() {
  const [width, height] = sourceSize(state.source);
  if (!width || !height) return;
  if (view.width !== width || view.height !== height) [view.width, view.height] = [width, height];
  viewCtx.drawImage(state.source.element, 0, 0, width, height);
}

function tick() {
  (document.hidden ? (f) => setTimeout(f, 16) : requestAnimationFrame)(tick);
  const source = state.source;
  if (!source || !state.ready) return;
  if (source.kind !== 'image' && source.element.readyState < 2) return;
  if (!source.live && !state.dirty) return;
  if (!state.effect) {
    drawRaw();
    state.dirty = false;
    return;
  }
  if (state.busy) return; // the model is still on the last frame: this one is dropped
  state.busy = true;
  state.dirty = false;
  processFrame().catch((err) => showError(`stylise: ${err.message || err}`)).finally(() => { state.busy = false; });
  updateReadout();
}

async function setSource(open) {
  try {
    const source = await open();
    state.source?.stop();
    state.source = source;
    state.times = [];
    state.dirty = true;
    $('hint').hidden = true;
    if (state.error?.startsWith('camera') || state.error?.startsWith('video') || state.error?.startsWith('image')) clearError();
  } catch (err) {
    showError(err);
  }
}

function openFile(file) {
  if (!file) return;
  if (file.type.startsWith('video/')) return setSource(() => openVideoFile($('video'), file));
  return setSource(() => openImage(file));
}

// --- styles ---------------------------------------------------------------------------------
function styleImageSize(width, height) {
  const fixed = state.manifest.model.style_static_size;
  if (fixed) return [fixed[1], fixed[0]];
  const shorter = state.manifest.model.style_size;
  if (!shorter) return [width, height];
  const f = shorter / Math.min(width, height);
  return [Math.max(1, Math.round(width * f)), Math.max(1, Math.round(height * f))];
}

async function addStyle(name, blob, { resize }) {
  const bitmap = await createImageBitmap(blob).catch(() => { throw new Error(`style ${name}: not a readable image`); });
  const [w, h] = resize ? styleImageSize(bitmap.width, bitmap.height) : [bitmap.width, bitmap.height];
  const pixels = grab(bitmap, bitmap.width, bitmap.height, w, h);
  bitmap.close();
  const key = `s${state.styleCount++}`;
  await state.engine.encodeStyle(key, w, h, pixels.data);
  state.styleNames.set(key, name);
  const option = new Option(name, key);
  $('style').add(option);
  return key;
}

function chooseStyle(key) {
  state.style = key;
  $('style').value = key;
  state.dirty = true;
}

function findStyle(nameOrIndex) {
  const keys = [...state.styleNames.keys()];
  if (typeof nameOrIndex === 'number') return keys[nameOrIndex];
  return keys.find((k) => state.styleNames.get(k) === nameOrIndex || k === nameOrIndex);
}

// --- steps ----------------------------------------------------------------------------------
function setStep(step) {
  const steps = state.manifest.model.steps;
  if (!steps.includes(step)) throw new Error(`step ${step} is not in this site (steps: ${steps.join(', ')})`);
  state.step = step;
  $('step').value = String(steps.indexOf(step));
  $('step-label').textContent = String(step);
  state.dirty = true;
  updateReadout();
}

// --- the scripting hook ---------------------------------------------------------------------
async function stylizeImage(imageData, options = {}) {
  await ready;
  const step = options.step ?? state.step;
  const style = options.style === undefined ? state.style : findStyle(options.style);
  if (!state.manifest.model.steps.includes(step)) throw new Error(`step ${step} is not in this site`);
  const { width, height } = imageData;
  const [nw, nh] = networkSize(width, height, options.scale ?? 1);
  let input = imageData;
  if (nw !== width || nh !== height) {
    const bitmap = await createImageBitmap(imageData);
    input = grab(bitmap, width, height, nw, nh);
    bitmap.close();
  }
  const { output } = await runNetwork(input, step, style);
  if (output.width === width && output.height === height) return output;
  const bitmap = await createImageBitmap(output);
  const resized = grab(bitmap, output.width, output.height, width, height);
  bitmap.close();
  return resized;
}

window.rlministyler = {
  status: () => ({
    frames: state.frames, fps: fps(), backend: backendLabel(), provider: state.backend, threads: state.threads,
    step: state.step, style: state.styleNames.get(state.style) ?? null, error: state.error, ready: state.ready,
    inferMs: state.inferMs, source: state.source?.kind ?? null, steps: state.manifest?.model.steps ?? [],
  }),
  stylize: stylizeImage,
  setStep,
  setStyle: (nameOrIndex) => {
    const key = findStyle(nameOrIndex);
    if (!key) throw new Error(`no style ${nameOrIndex}`);
    chooseStyle(key);
  },
  setEffect: (on) => { $('effect').checked = on; state.effect = on; state.dirty = true; },
  /** The last live frame: the network's input and output ImageData, the step and style used. */
  frame: () => state.last && { ...state.last, style: state.styleNames.get(state.last.style) ?? null },
  startCamera: () => setSource(() => openCamera($('video'))),
};

// --- start ----------------------------------------------------------------------------------
function wireControls() {
  const steps = state.manifest.model.steps;
  $('step').max = String(steps.length - 1);
  $('step').oninput = () => setStep(steps[Number($('step').value)]);
  $('style').onchange = () => chooseStyle($('style').value);
  $('style-upload').onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      chooseStyle(await addStyle(file.name, file, { resize: true }));
    } catch (err) {
      showError(err);
    }
  };
  $('scale').value = String(state.scale);
  $('scale').onchange = () => { state.scale = Number($('scale').value); state.dirty = true; };
  $('scale-box').hidden = !!state.manifest.model.static_size;
  $('style-box').hidden = state.manifest.model.variant === 'baked';
  $('effect').onchange = () => { state.effect = $('effect').checked; state.dirty = true; };
  $('camera').onclick = () => window.rlministyler.startCamera();
  $('file').onchange = (e) => openFile(e.target.files[0]);
  $('snapshot').onclick = () => view.toBlob((blob) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `rlministyler_step${state.step}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, 'image/png');
  document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    openFile(e.dataTransfer.files[0]);
  });
}

async function start() {
  state.manifest = await loadManifest(new URL('.', location.href).href);
  const { model } = state.manifest;
  const wanted = Number(params.get('step'));
  state.step = model.steps.includes(wanted) ? wanted : model.steps[0];
  wireControls();
  setStep(state.step);
  state.engine = new Engine();
  const backend = params.get('backend') || 'auto';
  if (!['auto', 'wasm', 'webgpu'].includes(backend)) throw new Error(`?backend=${backend}: use wasm, webgpu or auto`);
  const info = await state.engine.call('init', {
    manifest: state.manifest, backend, threads: Number(params.get('threads') || 0),
  });
  state.backend = info.provider;
  state.threads = info.threads;
  if (info.note) showError(info.note);
  for (const style of state.manifest.styles) {
    const blob = await (await fetch(style.file)).blob();
    await addStyle(style.name, blob, { resize: false });
  }
  const first = findStyle(params.get('style') ?? 0) ?? findStyle(0);
  if (first) chooseStyle(first);
  state.ready = true;
  updateReadout();
  if (params.get('source') === 'camera') await window.rlministyler.startCamera();
}

const ready = start();
ready.catch((err) => { state.backend = 'none'; showError(err); updateReadout(); });
window.addEventListener('error', (e) => showError(e.message));
window.addEventListener('unhandledrejection', (e) => showError(e.reason));
tick();
