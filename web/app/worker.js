// The inference worker: loads onnxruntime-web and the site's models, encodes styles and stylises
// frames off the main thread. Requests run one at a time (an onnxruntime session runs one call at
// a time); the page sends a live frame only when the previous one is done, so frames never queue.
//
// WebGPU: one session per step and frame size (the size fixed, so onnxruntime folds the shape
// arithmetic and every node runs on the GPU); a frame arrives as an ImageBitmap, is copied into
// the input buffer by a compute shader (gpu_frames.js); the output stays in its GPU buffer and is
// packed there into RGBA bytes, the only thing read back. Any WebGPU failure, at load or at run
// time, and a lost device move the worker to WebAssembly (unless WebGPU was asked for by name),
// and the call is answered from there.

import { GpuFrames } from './gpu_frames.js';
import { modelInputs } from './onnx_inputs.js';
import { fromTensor, paddedSize, toTensor } from './tensor.js';

const GPU_SESSIONS = 4; // WebGPU sessions kept (per step and frame size); the least recently used go
const PLACED = /(?:Node\(s\)|All nodes) placed on \[(\w+)\]\. Number of nodes: (\d+)/;

let manifest = null;
let asked = 'auto'; // the backend the page asked for: auto, wasm or webgpu
let threads = 0;
let spin = true; // WebAssembly threads spin while they wait for work (onnxruntime's default)
let verbose = false;
let ort = null;
let backend = null; // 'webgpu' or 'wasm'
let device = null; // WebGPU: the device onnxruntime and the frame shaders share
let lostReason = null;
let captureWorks = null; // whether onnxruntime ran a session with graph capture (null: not tried)
let gpuError = null; // the last error WebGPU reported outside any call (uncapturederror)
let released = 0; // sessions released so far (a fallback releases every one it leaves)
let frames = null; // GpuFrames
let halfFiles = null; // WebGPU with shader-f16: step -> the fp16 copy (manifest.model.files_fp16)
let note = null; // why the worker is not on the backend asked for; sent with the next answer
const models = new Map(); // file -> its bytes
const contentDims = new Map(); // step -> the content input's dimensions (numbers or free names)
const sessions = new Map(); // wasm: step -> session; webgpu: 'step@WxH' -> session, in use order
let encoder = null;
const styleImages = new Map(); // key -> {width, height, data}, kept to encode again after a fallback
const styles = new Map(); // key -> the feeds of that style
let placement = {}; // provider -> nodes, from onnxruntime's verbose log of the last session made
let logLines = null; // collecting onnxruntime's log while a session is made (verbose only)

for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    if (logLines) logLines.push(args.map(String).join(' '));
    original(...args);
  };
}

const message = (err) => String(err?.message || err);

async function fetchModel(file) {
  if (models.has(file)) return models.get(file);
  const url = new URL(file.split('/').map(encodeURIComponent).join('/'), manifest.base).href;
  const response = await fetch(url).catch((err) => { throw new Error(`model ${file}: ${message(err)}`); });
  if (!response.ok) throw new Error(`model ${file} failed to load: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  models.set(file, bytes);
  return bytes;
}

async function createSession(file, options) {
  const bytes = await fetchModel(file);
  logLines = verbose ? [] : null;
  try {
    const session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all', logSeverityLevel: verbose ? 0 : 3, logVerbosityLevel: 0, ...options,
    });
    if (logLines) {
      placement = {};
      for (const line of logLines) {
        const found = PLACED.exec(line);
        if (found) placement[found[1]] = Number(found[2]);
      }
    }
    return session;
  } catch (err) {
    throw new Error(`model ${file} failed to load: ${message(err)}`);
  } finally {
    logLines = null;
  }
}

async function releaseAll() {
  const all = [...sessions.values(), ...(encoder ? [encoder] : [])];
  sessions.clear();
  encoder = null;
  styles.clear();
  await Promise.all(all.map(closeSession));
  frames?.destroy();
  frames = null;
  device?.destroy();
  device = null;
}

/** Why WebGPU cannot run this site here (null: it can), and the adapter to use. */
async function webgpuCheck() {
  if (!self.navigator.gpu) return { why: 'this browser has no WebGPU (or the page is not a secure context)' };
  let adapter = null;
  try {
    adapter = await self.navigator.gpu.requestAdapter();
  } catch (err) {
    return { why: `no WebGPU adapter (${message(err)})` };
  }
  if (!adapter) return { why: 'no WebGPU adapter' };
  const precision = manifest.model.precision;
  if (precision === 'int8') return { why: 'an int8 model runs on WebAssembly only (WebGPU has no DequantizeLinear)' };
  if (precision === 'fp16' && !adapter.features.has('shader-f16')) {
    return { why: "this fp16 model needs the GPU's shader-f16 feature, which this adapter lacks" };
  }
  return { adapter };
}

/** The device onnxruntime and the frame shaders share: made here, with the adapter's limits and
 * shader-f16 where it has it, and handed to onnxruntime before its first session. */
async function openWebgpu(adapter) {
  ort = await import(new URL(manifest.ort.webgpu, manifest.base).href);
  setEnv();
  const features = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  const wanted = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxStorageBuffersPerShaderStage'];
  const requiredLimits = Object.fromEntries(wanted.map((k) => [k, adapter.limits[k]]));
  device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
  // an fp32 site carries fp16 copies: WebGPU runs those where the adapter can (shader-f16)
  halfFiles = features.length && manifest.model.files_fp16 ? manifest.model.files_fp16 : null;
  ort.env.webgpu.device = device;
  self.gpuDevice = device; // for diagnosis from the DevTools (and the lost-device test)
  lostReason = null;
  const mine = device;
  device.lost.then((info) => { if (device === mine) lostReason = info.message || info.reason || 'lost'; });
  device.addEventListener('uncapturederror', (event) => { gpuError = event.error?.message || 'error'; });
  frames = new GpuFrames(device);
}

/** The file WebGPU runs for a step: its fp16 copy where the device has shader-f16. */
function gpuFile(step) {
  return (halfFiles && halfFiles[step]) || manifest.model.files[step];
}

async function openWasm() {
  ort = await import(new URL(manifest.ort.wasm, manifest.base).href);
  setEnv();
}

function setEnv() {
  ort.env.wasm.wasmPaths = new URL(manifest.ort.dir, manifest.base).href;
  ort.env.wasm.proxy = false; // already off the main thread
  const cores = self.navigator.hardwareConcurrency || 1;
  ort.env.wasm.numThreads = self.crossOriginIsolated === true ? Math.max(1, Math.min(threads || cores, 16)) : 1;
  ort.env.logLevel = verbose ? 'verbose' : 'error';
}

async function loadBackend(name, adapter) {
  backend = name;
  if (name === 'webgpu') {
    await openWebgpu(adapter);
    for (const step of manifest.model.steps) {
      const file = gpuFile(step);
      contentDims.set(step, modelInputs(await fetchModel(file)).get('content'));
    }
  } else {
    await openWasm();
    for (const step of manifest.model.steps) {
      sessions.set(step, await createSession(manifest.model.files[step], {
        executionProviders: ['wasm'], extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
      }));
    }
  }
  // the style encoder runs once per style: on the CPU with either build
  if (manifest.model.style_encoder) {
    encoder = await createSession(manifest.model.style_encoder, { executionProviders: ['wasm'] });
  }
  for (const [key, image] of styleImages) await encodeStyle({ key, ...image });
}

async function fallBack(reason) {
  // a lost device may fail the frame (a mapAsync, a run) before device.lost has resolved: give the
  // promise a moment, so that the notice names the cause rather than the symptom
  if (backend === 'webgpu' && device && !lostReason) {
    await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, 200))]);
    await Promise.resolve(); // the lost handler runs in the microtask after the promise resolves
  }
  if (lostReason && !reason.startsWith('the GPU device was lost')) {
    reason = `the GPU device was lost (${lostReason}): ${reason}`;
  }
  if (backend !== 'webgpu' || asked === 'webgpu') throw new Error(reason);
  await releaseAll();
  note = `WebGPU failed (${reason}); running on WebAssembly`;
  await loadBackend('wasm');
}

function info() {
  const answer = {
    provider: backend, threads: ort.env.wasm.numThreads, isolated: self.crossOriginIsolated === true,
    version: ort.env.versions?.web || manifest.ort.version, note, sessions: sessions.size + (encoder ? 1 : 0),
    placement, capture: backend === 'webgpu' ? captureWorks : null, released,
    precision: backend === 'webgpu' && halfFiles ? 'fp16' : manifest.model.precision,
  };
  note = null;
  return answer;
}

async function init({ manifest: m, backend: wanted, threads: n, spin: s, verbose: v }) {
  spin = s !== false;
  manifest = m;
  asked = wanted;
  threads = n;
  verbose = !!v;
  if (wanted === 'wasm') {
    await loadBackend('wasm');
    return info();
  }
  const { adapter, why } = await webgpuCheck();
  if (!adapter) {
    if (wanted === 'webgpu') throw new Error(`WebGPU cannot run here: ${why} (try ?backend=wasm)`);
    note = `running on WebAssembly: ${why}`;
    await loadBackend('wasm');
    return info();
  }
  try {
    await loadBackend('webgpu', adapter);
  } catch (err) {
    await fallBack(message(err));
  }
  return info();
}

function imageTensor(width, height, rgba) {
  return new ort.Tensor('float32', toTensor(rgba, width, height, width, height), [1, 3, height, width]);
}

async function encodeStyle({ key, width, height, data }) {
  styleImages.set(key, { width, height, data });
  const image = imageTensor(width, height, data);
  if (manifest.model.variant === 'full') {
    styles.set(key, { style: image });
  } else {
    const out = await encoder.run({ [manifest.model.style_input]: image });
    styles.set(key, Object.fromEntries(manifest.model.style_tensors.map((n) => [n, out[n]])));
  }
  return { key };
}

function styleFeeds(style) {
  if (manifest.model.variant === 'baked') return {};
  const feeds = styles.get(style);
  if (!feeds) throw new Error('no style chosen: pick or upload a style image');
  return { ...feeds };
}

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A WebGPU session for a step at a padded size, with its own input, style and output buffers:
 * graph capture replays the buffers it recorded, so each session keeps its own for good. */
async function gpuSession(step, pw, ph) {
  const key = `${step}@${pw}x${ph}`;
  let entry = sessions.get(key);
  if (entry) {
    sessions.delete(key); // to the end: most recently used
  } else {
    const dims = contentDims.get(step) || [];
    const overrides = {};
    [1, 3, ph, pw].forEach((value, i) => { if (typeof dims[i] === 'string') overrides[dims[i]] = value; });
    const options = { executionProviders: [{ name: 'webgpu', device }], freeDimensionOverrides: overrides };
    // a full model's style image changes size with the style: no fixed buffer for it, no capture;
    // with onnxruntime's verbose log on, a replay fails inside onnxruntime-web 1.30
    const capture = captureWorks !== false && manifest.model.variant !== 'full' && !verbose;
    const session = await createSession(gpuFile(step), { ...options, enableGraphCapture: capture });
    const bytes = 3 * pw * ph * 4;
    entry = {
      session, capture, step, input: device.createBuffer({ size: bytes, usage: STORAGE() }),
      output: device.createBuffer({ size: bytes, usage: STORAGE() }), styleBuffers: new Map(), style: null,
    };
    while (sessions.size >= GPU_SESSIONS) {
      const [oldest, old] = sessions.entries().next().value;
      sessions.delete(oldest);
      await closeSession(old);
    }
  }
  sessions.set(key, entry);
  return entry;
}

async function closeSession(entry) {
  released += 1;
  if (!entry.session) return entry.release().catch(() => {}); // a WebAssembly session
  await entry.session.release().catch(() => {});
  for (const buffer of [entry.input, entry.output, ...entry.styleBuffers.values()]) buffer.destroy();
  return null;
}

/** The session's feeds: its own buffers, the style's tensors written into them when it changed. */
function gpuFeeds(entry, style, pw, ph) {
  const feeds = { content: ort.Tensor.fromGpuBuffer(entry.input, { dataType: 'float32', dims: [1, 3, ph, pw] }) };
  const chosen = styleFeeds(style);
  for (const [name, tensor] of Object.entries(chosen)) {
    if (!entry.styleBuffers.has(name)) {
      const size = Math.ceil(tensor.data.byteLength / 4) * 4;
      entry.styleBuffers.set(name, device.createBuffer({ size, usage: STORAGE() }));
    }
    const buffer = entry.styleBuffers.get(name);
    if (entry.style !== style) device.queue.writeBuffer(buffer, 0, tensor.data);
    feeds[name] = ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: tensor.dims });
  }
  entry.style = style;
  return feeds;
}

function checkStep(step) {
  if (!manifest.model.steps.includes(step)) {
    throw new Error(`step ${step} is not in this site (steps: ${manifest.model.steps.join(', ')})`);
  }
}

async function runWebgpu({ step, style, width, height, bitmap, data }) {
  if (lostReason) throw new Error(`the GPU device was lost (${lostReason})`);
  const [pw, ph] = paddedSize(width, height, manifest.model.size_multiple);
  styleFeeds(style); // no style: said before any GPU work
  let entry = await gpuSession(step, pw, ph);
  gpuError = null;
  const t0 = performance.now();
  frames.upload(bitmap || { data, width, height }, entry.input, pw, ph);
  const name = manifest.model.outputs[step];
  const dims = [1, 3, ph, pw];
  let output = ort.Tensor.fromGpuBuffer(entry.output, { dataType: 'float32', dims });
  try {
    await entry.session.run(gpuFeeds(entry, style, pw, ph), { [name]: output });
  } catch (err) {
    if (!entry.capture) throw err;
    captureWorks = false; // graph capture refused: this size and step again without it
    const old = entry;
    sessions.delete(`${step}@${pw}x${ph}`);
    entry = await gpuSession(step, pw, ph);
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(old.input, 0, entry.input, 0, old.input.size);
    device.queue.submit([encoder.finish()]);
    await closeSession(old);
    output = ort.Tensor.fromGpuBuffer(entry.output, { dataType: 'float32', dims });
    await entry.session.run(gpuFeeds(entry, style, pw, ph), { [name]: output });
  }
  if (entry.capture) captureWorks = true;
  const result = { data: await frames.read(output, pw, ph, width, height) };
  const t1 = performance.now(); // after the readback: a replayed graph only queues its work
  await device.queue.onSubmittedWorkDone();
  if (lostReason) throw new Error(`the GPU device was lost (${lostReason})`);
  if (gpuError) throw new Error(`WebGPU: ${gpuError}`);
  return { width, height, ...result, inferMs: t1 - t0 };
}

async function pixelsOf({ bitmap, data, width, height }) {
  if (data) return data;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, width, height).data;
}

async function runWasm(request) {
  const { step, style, width, height } = request;
  const data = await pixelsOf(request);
  const feeds = styleFeeds(style);
  const session = sessions.get(step);
  const [pw, ph] = paddedSize(width, height, manifest.model.size_multiple);
  feeds.content = new ort.Tensor('float32', toTensor(data, width, height, pw, ph), [1, 3, ph, pw]);
  const t0 = performance.now();
  const name = manifest.model.outputs[step];
  const out = await session.run(feeds, [name]);
  const t1 = performance.now();
  const rgba = fromTensor(out[name].data, pw, ph, width, height);
  out[name].dispose?.();
  return { width, height, data: rgba, inferMs: t1 - t0 };
}

async function stylize(request) {
  checkStep(request.step);
  let result;
  if (backend === 'webgpu') {
    const copy = request.bitmap ? await createImageBitmap(request.bitmap) : null; // for a fallback
    try {
      result = await runWebgpu(request);
      copy?.close();
    } catch (err) {
      if (err.message.startsWith('no style chosen')) throw err;
      await fallBack(message(err));
      result = await runWasm({ ...request, bitmap: copy });
    }
  } else {
    result = await runWasm(request);
  }
  return { ...result, ...info() };
}

const handlers = { init, style: encodeStyle, run: stylize };

let chain = Promise.resolve();
self.onmessage = (event) => {
  const { id, op, ...args } = event.data;
  chain = chain.then(async () => {
    try {
      const result = await handlers[op](args);
      const transfer = [result?.data?.buffer, result?.bitmap].filter(Boolean);
      self.postMessage({ id, result }, transfer);
    } catch (err) {
      self.postMessage({ id, error: message(err) });
    }
  });
};
