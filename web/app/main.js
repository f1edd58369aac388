// The page: sources, controls, the live loop and the scripting hook `window.rlministyler`.
// Inference runs in a worker (engine.js, worker.js); a live frame is sent only when the previous
// one has come back, so frames the model cannot keep up with are dropped, never queued. On WebGPU
// a frame travels as an ImageBitmap both ways (no pixels in JavaScript); on WebAssembly as RGBA.

import { Engine } from './engine.js';
import { loadManifest } from './manifest.js';
import { CanvasRecorder } from './recorder.js';
import { listCameras, openCamera, openImage, openVideoFile, sourceSize } from './sources.js';
import { forgetStyle, keepStyle, keptStyles } from './styles_store.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const view = $('view');
const viewCtx = view.getContext('2d');

/** A 2D canvas reused across frames: resized (which reallocates it) only when the size changes. */
function scratch(options) {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', options);
  return {
    canvas, ctx,
    fit(width, height) {
      if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
      return ctx;
    },
  };
}
const grabber = scratch({ willReadFrequently: true });
const outBuffer = scratch();
const reader = scratch({ willReadFrequently: true });

const state = {
  manifest: null, engine: null, ready: false, error: null, notice: null, backend: 'loading', threads: 0,
  step: 0, style: null, styleNames: new Map(), keptNames: new Set(), scale: 1, effect: true, smooth: 0,
  source: null, busy: false, dirty: false, frames: 0, times: [], inferMs: 0, last: null, styleCount: 0,
  sourceFrame: -1, recorder: null, placement: {}, sessions: 0,
};

function showError(err) {
  const text = String(err?.message || err);
  state.error = text;
  $('error').textContent = text;
  $('error').hidden = false;
  console.error(text);
}

function clearError() {
  state.error = null;
  $('error').hidden = true;
}

function showNotice(text) {
  state.notice = text;
  $('notice').textContent = text;
  $('notice').hidden = !text;
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
  const ctx = grabber.fit(nw, nh);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(element, 0, 0, width, height, 0, 0, nw, nh);
  return ctx.getImageData(0, 0, nw, nh);
}

/** ImageData of an ImageBitmap (for the scripting hook and `frame()`; the live path never reads back). */
function pixelsOf(bitmap) {
  const ctx = reader.fit(bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
}

const onGpu = () => state.backend === 'webgpu';

/** The network input for the engine: an ImageBitmap on WebGPU, ImageData on WebAssembly. */
async function networkInput(element, width, height, nw, nh) {
  if (!onGpu()) return grab(element, width, height, nw, nh);
  if (element instanceof ImageData && nw === width && nh === height) {
    return createImageBitmap(element, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  }
  return createImageBitmap(element, 0, 0, width, height,
    { resizeWidth: nw, resizeHeight: nh, resizeQuality: 'high', colorSpaceConversion: 'none' });
}

async function runNetwork(input, step, style) {
  const bitmap = input instanceof ImageBitmap;
  const res = await state.engine.run(step, style, input.width, input.height, bitmap ? input : input.data);
  state.inferMs = res.inferMs;
  state.placement = res.placement || {};
  state.sessions = res.sessions;
  state.capture = res.capture ?? null;
  state.released = res.released;
  if (res.provider !== state.backend) {
    state.backend = res.provider;
    state.threads = res.threads;
  }
  if (res.note) showNotice(res.note);
  return res.bitmap || new ImageData(res.data, res.width, res.height);
}

/** Draw a network output on the view; `blend`: mix it into the last one (temporal smoothing). */
function display(output, width, height, blend) {
  if (view.width !== width || view.height !== height) {
    [view.width, view.height] = [width, height];
    blend = false;
  }
  let picture = output;
  if (output instanceof ImageData) {
    if (output.width === width && output.height === height && !state.smooth) {
      viewCtx.putImageData(output, 0, 0);
      return;
    }
    outBuffer.fit(output.width, output.height).putImageData(output, 0, 0);
    picture = outBuffer.canvas;
  }
  // temporal smoothing as `run --temporal ema`: view = weight * previous + (1 - weight) * new
  viewCtx.globalAlpha = blend && state.smooth ? 1 - state.smooth : 1;
  viewCtx.imageSmoothingQuality = 'high';
  viewCtx.drawImage(picture, 0, 0, width, height);
  viewCtx.globalAlpha = 1;
}

function keepLast(last) {
  for (const key of ['input', 'output']) {
    const old = state.last?.[key];
    if (old instanceof ImageBitmap && old !== last[key]) old.close();
  }
  state.last = last;
}

async function processFrame(fresh) {
  const source = state.source;
  const [width, height] = sourceSize(source);
  if (!width || !height) return;
  const [nw, nh] = networkSize(width, height, state.scale);
  const input = await networkInput(source.element, width, height, nw, nh);
  const kept = input instanceof ImageBitmap ? await createImageBitmap(input) : input;
  const { step, style } = state;
  const output = await runNetwork(input, step, style);
  if (source !== state.source) return;
  display(output, width, height, !fresh && state.lastSource === source);
  state.lastSource = source;
  state.frames += 1;
  state.times.push(performance.now());
  if (state.times.length > 30) state.times.shift();
  keepLast({ input: kept, output, step, style });
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
  if (!source || !state.ready || state.engine?.dead) return;
  if (source.kind !== 'image' && source.element.readyState < 2) return;
  if (!source.live && !state.dirty) return;
  // a paced source (requestVideoFrameCallback) is stylised once per new frame it presents
  if (source.live && source.paced && source.frame === state.sourceFrame && !state.dirty) return;
  if (!state.effect) {
    drawRaw();
    state.dirty = false;
    return;
  }
  if (state.busy) return; // the model is still on the last frame: this one is dropped
  state.busy = true;
  const fresh = state.dirty; // a new source, step or style: not blended with the last picture
  state.dirty = false;
  state.sourceFrame = source.frame;
  processFrame(fresh).catch((err) => showError(`stylise: ${err.message || err}`)).finally(() => { state.busy = false; });
  updateReadout();
}

async function setSource(open) {
  try {
    const source = await open();
    state.source?.stop();
    state.source = source;
    state.times = [];
    state.dirty = true;
    state.sourceFrame = -1;
    $('hint').hidden = true;
    $('camera-box').classList.toggle('live', source.kind === 'camera');
    if (state.error?.startsWith('camera') || state.error?.startsWith('video') || state.error?.startsWith('image')) clearError();
    return source;
  } catch (err) {
    showError(err);
    return null;
  }
}

function openFile(file) {
  if (!file) return;
  if (file.type.startsWith('video/')) return setSource(() => openVideoFile(file));
  return setSource(() => openImage(file));
}

function cameraEnded(message) {
  if (state.source?.kind === 'camera' && state.source.stopped) {
    state.source = null;
    $('camera-box').classList.remove('live');
  }
  showError(message);
}

async function startCamera() {
  const [width, height] = $('camera-size').value.split('x').map(Number);
  const source = await setSource(() => openCamera({ deviceId: $('camera-device').value, width, height }, cameraEnded));
  if (source) await fillCameraList(source.deviceId);
}

async function fillCameraList(current) {
  const cameras = await listCameras();
  const picker = $('camera-device');
  picker.replaceChildren(new Option('default camera', ''),
    ...cameras.map((c, i) => new Option(c.label || `camera ${i + 1}`, c.deviceId)));
  picker.value = cameras.some((c) => c.deviceId === current) ? current : '';
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
  const existing = [...state.styleNames].find(([, n]) => n === name)?.[0];
  const key = existing || `s${state.styleCount++}`;
  await state.engine.encodeStyle(key, w, h, pixels.data);
  if (!existing) {
    state.styleNames.set(key, name);
    $('style').add(new Option(name, key));
  }
  return key;
}

/** A style file of the site: fetched by its escaped path, and its HTTP status checked. */
async function fetchStyle(style) {
  const url = new URL(style.file.split('/').map(encodeURIComponent).join('/'), state.manifest.base);
  const response = await fetch(url).catch((err) => { throw new Error(`style ${style.name}: ${err.message || err}`); });
  if (!response.ok) throw new Error(`style ${style.name}: ${style.file} answered HTTP ${response.status}`);
  return response.blob();
}

async function uploadStyle(file) {
  const key = await addStyle(file.name, file, { resize: true });
  chooseStyle(key);
  state.keptNames.add(file.name);
  await keepStyle(file.name, file).catch((err) => showNotice(`style ${file.name} is used but not kept (${err.message || err})`));
}

function chooseStyle(key) {
  state.style = key;
  $('style').value = key;
  $('style-forget').hidden = !state.keptNames.has(state.styleNames.get(key));
  state.dirty = true;
}

async function forgetChosenStyle() {
  const name = state.styleNames.get(state.style);
  if (!state.keptNames.has(name)) return;
  await forgetStyle(name).catch(() => {});
  state.keptNames.delete(name);
  $('style').querySelector(`option[value="${state.style}"]`)?.remove();
  state.styleNames.delete(state.style);
  const first = findStyle(0);
  if (first) chooseStyle(first);
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
  // each step of the sequence runs the network once more on the last output
  const [low, high] = [steps[0], steps[steps.length - 1]];
  $('step-strength').value = steps.length > 1 ? (step - low) / (high - low) : 1;
  $('step-note').textContent = `step ${step} of ${low}–${high}: ${step === 1 ? 'keeps the content best'
    : `more style; about ${step}× the cost of step 1`}`;
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
  if (onGpu()) {
    input = await networkInput(imageData, width, height, nw, nh);
  } else if (nw !== width || nh !== height) {
    const bitmap = await createImageBitmap(imageData);
    input = grab(bitmap, width, height, nw, nh);
    bitmap.close();
  }
  let output = await runNetwork(input, step, style);
  if (output instanceof ImageBitmap) {
    const bitmap = output;
    output = pixelsOf(bitmap);
    bitmap.close();
  }
  if (output.width === width && output.height === height) return output;
  const bitmap = await createImageBitmap(output);
  const resized = grab(bitmap, output.width, output.height, width, height);
  bitmap.close();
  return resized;
}

function asImageData(value) {
  return value instanceof ImageBitmap ? pixelsOf(value) : value;
}

window.rlministyler = {
  status: () => ({
    frames: state.frames, fps: fps(), backend: backendLabel(), provider: state.backend, threads: state.threads,
    step: state.step, style: state.styleNames.get(state.style) ?? null, error: state.error, ready: state.ready,
    notice: state.notice, inferMs: state.inferMs, source: state.source?.kind ?? null,
    paced: state.source?.paced ?? false,
    steps: state.manifest?.model.steps ?? [], scale: state.scale, placement: state.placement,
    sessions: state.sessions, released: state.released, capture: state.capture, secure: window.isSecureContext, isolated: window.crossOriginIsolated === true,
  }),
  stylize: stylizeImage,
  setStep,
  setStyle: (nameOrIndex) => {
    const key = findStyle(nameOrIndex);
    if (!key) throw new Error(`no style ${nameOrIndex}`);
    chooseStyle(key);
  },
  setEffect: (on) => { $('effect').checked = on; state.effect = on; state.dirty = true; },
  setSmoothing: (weight) => { $('smooth').value = String(weight); state.smooth = Number(weight); },
  /** The last live frame: the network's input and output ImageData, the step and style used. */
  frame: () => state.last && {
    input: asImageData(state.last.input), output: asImageData(state.last.output), step: state.last.step,
    style: state.styleNames.get(state.last.style) ?? null,
  },
  startCamera,
  cameras: listCameras,
  record: toggleRecording,
  cleanView: (on) => setCleanView(on),
};

// --- output: clean view, recording, snapshot -----------------------------------------------------
function setCleanView(on) {
  document.body.classList.toggle('clean', on);
  $('clean').textContent = on ? 'Exit clean view (Esc)' : 'Clean view';
}

async function toggleRecording() {
  if (state.recorder?.recording) {
    const blob = await state.recorder.stop();
    $('record').textContent = 'Record';
    $('record').classList.remove('on');
    if (blob?.size) save(blob, `rlministyler_step${state.step}.${blob.type.includes('mp4') ? 'mp4' : 'webm'}`);
    return blob;
  }
  state.recorder = new CanvasRecorder(view);
  await state.recorder.start();
  $('record').textContent = 'Stop recording';
  $('record').classList.add('on');
  return null;
}

function save(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// --- start ----------------------------------------------------------------------------------
function readScale() {
  const given = params.get('scale');
  const choices = [...$('scale').options].map((o) => o.value);
  if (given === null) return 1;
  if (choices.includes(String(Number(given)))) return Number(given);
  showNotice(`?scale=${given}: use one of ${choices.join(', ')}; running at scale 1`);
  return 1;
}

function wireControls() {
  const steps = state.manifest.model.steps;
  $('step').max = String(steps.length - 1);
  $('step').oninput = () => setStep(steps[Number($('step').value)]);
  $('style').onchange = () => chooseStyle($('style').value);
  $('style-upload').onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      await uploadStyle(file);
    } catch (err) {
      showError(err);
    }
  };
  $('style-forget').onclick = () => forgetChosenStyle();
  $('scale').value = String(state.scale);
  $('scale').onchange = () => { state.scale = Number($('scale').value); state.dirty = true; };
  $('scale-box').hidden = !!state.manifest.model.static_size;
  $('style-box').hidden = state.manifest.model.variant === 'baked';
  $('effect').onchange = () => { state.effect = $('effect').checked; state.dirty = true; };
  $('smooth').onchange = () => { state.smooth = Number($('smooth').value); };
  $('camera').onclick = () => startCamera();
  $('camera-device').onchange = () => { if (state.source?.kind === 'camera') startCamera(); };
  $('camera-size').onchange = () => { if (state.source?.kind === 'camera') startCamera(); };
  $('file').onchange = (e) => openFile(e.target.files[0]);
  $('clean').onclick = () => setCleanView(!document.body.classList.contains('clean'));
  view.ondblclick = () => setCleanView(!document.body.classList.contains('clean'));
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') setCleanView(false); });
  $('record').onclick = () => toggleRecording().catch(showError);
  $('snapshot').onclick = () => view.toBlob((blob) => save(blob, `rlministyler_step${state.step}.png`), 'image/png');
  document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    openFile(e.dataTransfer.files[0]);
  });
}

async function start() {
  if (!window.isSecureContext) {
    showNotice(`${location.origin} is not a secure context (plain http from another machine): no camera, `
      + 'no WebGPU and one thread here. Open the page on localhost, or serve it over https.');
  }
  state.manifest = await loadManifest(new URL('.', location.href).href);
  const { model } = state.manifest;
  const wanted = Number(params.get('step'));
  state.step = model.steps.includes(wanted) ? wanted : model.steps[0];
  state.scale = readScale();
  wireControls();
  setStep(state.step);
  if (params.get('view') === 'clean') setCleanView(true);
  state.engine = new Engine();
  state.engine.onfail = (err) => { state.ready = false; showError(err); updateReadout(); };
  const backend = params.get('backend') || 'auto';
  if (!['auto', 'wasm', 'webgpu'].includes(backend)) throw new Error(`?backend=${backend}: use wasm, webgpu or auto`);
  const info = await state.engine.call('init', {
    manifest: state.manifest, backend, threads: Number(params.get('threads') || 0), spin: params.get('spin') !== '0',
    verbose: params.get('verbose') === '1',
  });
  state.backend = info.provider;
  state.threads = info.threads;
  if (info.note) showNotice(info.note);
  for (const style of state.manifest.styles) await addStyle(style.name, await fetchStyle(style), { resize: false });
  for (const { name, blob } of await keptStyles().catch(() => [])) {
    await addStyle(name, blob, { resize: true }).then(() => state.keptNames.add(name)).catch(() => {});
  }
  const first = findStyle(params.get('style') ?? 0) ?? findStyle(0);
  if (first) chooseStyle(first);
  state.ready = true;
  updateReadout();
  if (params.get('source') === 'camera') await startCamera();
}

const ready = start();
ready.catch((err) => { state.backend = 'none'; showError(err); updateReadout(); });
window.addEventListener('error', (e) => showError(e.message));
window.addEventListener('unhandledrejection', (e) => showError(e.reason));
tick();
