// The page's side of the inference worker: requests as Promises.

export class Engine {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = ({ data }) => {
      const call = this.pending.get(data.id);
      if (!call) return;
      this.pending.delete(data.id);
      if (data.error) call.reject(new Error(data.error));
      else call.resolve(data.result);
    };
    this.worker.onerror = (event) => {
      event.preventDefault?.();
      this.failAll(new Error(`the inference worker failed: ${event.message || 'could not start it'}`));
    };
  }

  failAll(error) {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  call(op, args = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, ...args }, transfer);
    });
  }

  /** Stylise RGBA pixels (a copy is sent; `pixels` stays usable). */
  run(step, style, width, height, pixels) {
    const data = new Uint8ClampedArray(pixels);
    return this.call('run', { step, style, width, height, data }, [data.buffer]);
  }

  encodeStyle(key, width, height, pixels) {
    const data = new Uint8ClampedArray(pixels);
    return this.call('style', { key, width, height, data }, [data.buffer]);
  }
}
