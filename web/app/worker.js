// The inference worker: loads onnxruntime-web and the site's models, encodes styles and stylises
// frames off the main thread. Requests run one at a time (an onnxruntime session runs one call at
// a time); the page sends a live frame only when the previous one is done, so frames never queue.

import { fromTensor, paddedSize, toTensor } from './tensor.js';

let ort = null;
let manifest = null;
let provider = 'wasm';
const sessions = new Map(); // step -> InferenceSession
let encoder = null; // split models: the style encoder session
const styles = new Map(); // key -> feeds (the style tensors, or the style image for full models)
let chain = Promise.resolve();

async function webgpuAvailable() {
  if (!self.navigator.gpu) return false;
  try {
    return !!(await self.navigator.gpu.requestAdapter());
  } catch {
    return false;
  }
}

async function loadSession(file) {
  const url = new URL(file, manifest.base).href;
  try {
    return await ort.InferenceSession.create(url, {
      executionProviders: [provider], graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new Error(`model ${file} failed to load: ${err.message || err}`);
  }
}

async function loadAll(name, threads) {
  provider = name;
  ort = await import(new URL(name === 'webgpu' ? manifest.ort.webgpu : manifest.ort.wasm, manifest.base).href);
  ort.env.wasm.wasmPaths = new URL(manifest.ort.dir, manifest.base).href;
  ort.env.wasm.proxy = false; // already off the main thread
  const cores = self.navigator.hardwareConcurrency || 1;
  ort.env.wasm.numThreads = self.crossOriginIsolated === true ? Math.max(1, Math.min(threads || cores, 16)) : 1;
  ort.env.logLevel = 'error';
  sessions.clear();
  for (const step of manifest.model.steps) {
    sessions.set(step, await loadSession(manifest.model.files[step]));
  }
  encoder = manifest.model.style_encoder ? await loadSession(manifest.model.style_encoder) : null;
}

async function init({ manifest: m, backend, threads }) {
  manifest = m;
  const gpu = backend !== 'wasm' && (await webgpuAvailable());
  if (backend === 'webgpu' && !gpu) throw new Error('WebGPU is not available in this browser (try ?backend=wasm)');
  let note = null;
  try {
    await loadAll(gpu ? 'webgpu' : 'wasm', threads);
  } catch (err) {
    if (!gpu || backend === 'webgpu') throw err;
    note = `WebGPU failed (${err.message || err}); running on WebAssembly`; // auto: fall back
    await loadAll('wasm', threads);
  }
  return {
    provider, threads: ort.env.wasm.numThreads, isolated: self.crossOriginIsolated === true, note,
    version: ort.env.versions?.web || manifest.ort.version,
  };
}

function imageTensor(width, height, rgba) {
  return new ort.Tensor('float32', toTensor(rgba, width, height, width, height), [1, 3, height, width]);
}

async function encodeStyle({ key, width, height, data }) {
  const image = imageTensor(width, height, data);
  if (manifest.model.variant === 'full') {
    styles.set(key, { style: image });
  } else {
    const out = await encoder.run({ [manifest.model.style_input]: image });
    styles.set(key, Object.fromEntries(manifest.model.style_tensors.map((n) => [n, out[n]])));
  }
  return { key };
}

async function stylize({ step, style, width, height, data }) {
  const session = sessions.get(step);
  if (!session) throw new Error(`step ${step} is not in this site (steps: ${manifest.model.steps.join(', ')})`);
  const feeds = {};
  if (manifest.model.variant !== 'baked') {
    const styleFeeds = styles.get(style);
    if (!styleFeeds) throw new Error('no style chosen: pick or upload a style image');
    Object.assign(feeds, styleFeeds);
  }
  const t0 = performance.now();
  const [pw, ph] = paddedSize(width, height, manifest.model.size_multiple);
  feeds.content = new ort.Tensor('float32', toTensor(data, width, height, pw, ph), [1, 3, ph, pw]);
  const t1 = performance.now();
  const name = manifest.model.outputs[step];
  const out = await session.run(feeds, [name]);
  const t2 = performance.now();
  const rgba = fromTensor(out[name].data, pw, ph, width, height);
  out[name].dispose?.();
  const t3 = performance.now();
  return { width, height, data: rgba, preMs: t1 - t0, inferMs: t2 - t1, postMs: t3 - t2 };
}

const handlers = { init, style: encodeStyle, run: stylize };

self.onmessage = (event) => {
  const { id, op, ...args } = event.data;
  chain = chain.then(async () => {
    try {
      const result = await handlers[op](args);
      self.postMessage({ id, result }, result?.data ? [result.data.buffer] : []);
    } catch (err) {
      self.postMessage({ id, error: String(err?.message || err) });
    }
  });
};
