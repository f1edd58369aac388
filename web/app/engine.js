// The page's side of the inference worker: requests as Promises. A worker that fails (an uncaught
// error, a message it cannot read, a crash) is stopped and never asked again: every call pending
// and every later call rejects at once with the reason, so no caller waits for an answer that
// cannot come.

export class Engine {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null; // the Error every call gets once the worker has failed
    this.worker.onmessage = ({ data }) => {
      const call = this.pending.get(data.id);
      if (!call) return;
      this.pending.delete(data.id);
      if (data.error) call.reject(new Error(data.error));
      else call.resolve(data.result);
    };
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.fail(`the inference worker failed: ${event.message || 'could not start it'}; reload the page`);
    };
    this.worker.onmessageerror = () => this.fail('the inference worker sent a message the page cannot read');
  }

  fail(reason) {
    if (this.dead) return;
    this.dead = new Error(reason);
    this.worker.terminate();
    for (const call of this.pending.values()) call.reject(this.dead);
    this.pending.clear();
    this.onfail?.(this.dead);
  }

  call(op, args = {}, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, ...args }, transfer);
    });
  }

  /** Stylise a frame: an ImageBitmap (transferred) or RGBA pixels (a copy is sent; `pixels` stays
   * usable). The answer holds an ImageBitmap (WebGPU) or RGBA pixels (WebAssembly). */
  run(step, style, width, height, frame) {
    if (frame instanceof ImageBitmap) return this.call('run', { step, style, width, height, bitmap: frame }, [frame]);
    const data = new Uint8ClampedArray(frame);
    return this.call('run', { step, style, width, height, data }, [data.buffer]);
  }

  encodeStyle(key, width, height, pixels) {
    const data = new Uint8ClampedArray(pixels);
    return this.call('style', { key, width, height, data }, [data.buffer]);
  }
}
