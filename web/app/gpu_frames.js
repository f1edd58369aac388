// The WebGPU frame path. In: a frame goes to the GPU once, as an ImageBitmap copied into a texture,
// and a compute shader writes it into the model's input buffer as `rlministyler run` prepares it
// (RGB in [0, 1], planar, reflect-padded at the bottom and right: tensor.js's toTensor). Out: the
// output stays in the GPU buffer onnxruntime wrote, and a compute shader crops it and packs it into
// RGBA bytes, rounded as tensor.js rounds; only those bytes are read back (a quarter of the
// floats), and no pixel loop runs in JavaScript either way.

const SIZES = 'struct Sizes { width: u32, height: u32, pw: u32, ph: u32 }';

const PACK = `${SIZES}
@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> tensor: array<f32>;
@group(0) @binding(2) var<uniform> sizes: Sizes;

fn reflect101(i: u32, n: u32) -> u32 { return select(2u * (n - 1u) - i, i, i < n); }

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= sizes.pw || id.y >= sizes.ph) { return; }
  let rgb = textureLoad(frame, vec2u(reflect101(id.x, sizes.width), reflect101(id.y, sizes.height)), 0);
  let plane = sizes.pw * sizes.ph;
  let at = id.y * sizes.pw + id.x;
  tensor[at] = rgb.r;
  tensor[plane + at] = rgb.g;
  tensor[2u * plane + at] = rgb.b;
}`;

const READ = `${SIZES}
@group(0) @binding(0) var<storage, read> tensor: array<f32>;
@group(0) @binding(1) var<storage, read_write> rgba: array<u32>;
@group(0) @binding(2) var<uniform> sizes: Sizes;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= sizes.width || id.y >= sizes.height) { return; }
  let plane = sizes.pw * sizes.ph;
  let i = id.y * sizes.pw + id.x;
  let v = vec3f(tensor[i], tensor[plane + i], tensor[2u * plane + i]) * 255.0;
  let c = vec3u(round(clamp(v, vec3f(0.0), vec3f(255.0)))); // round() is half to even, as Uint8ClampedArray
  rgba[id.y * sizes.width + id.x] = c.r | (c.g << 8u) | (c.b << 16u) | (255u << 24u);
}`;

export class GpuFrames {
  constructor(device) {
    this.device = device;
    this.pack = device.createComputePipeline({
      layout: 'auto', compute: { module: device.createShaderModule({ code: PACK }), entryPoint: 'main' },
    });
    this.read_ = device.createComputePipeline({
      layout: 'auto', compute: { module: device.createShaderModule({ code: READ }), entryPoint: 'main' },
    });
    this.readSizes = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.packed = null;
    this.staging = null;
    this.packSizes = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.texture = null;
  }

  texture_(width, height) {
    if (this.texture?.width !== width || this.texture?.height !== height) {
      this.texture?.destroy();
      this.texture = this.device.createTexture({
        size: [width, height], format: 'rgba8unorm',
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT,
      });
    }
    return this.texture;
  }

  /** The frame (an ImageBitmap, closed here, or {data, width, height} RGBA bytes) written into
   * `buffer` as the model's input [1, 3, ph, pw]. */
  upload(frame, buffer, pw, ph) {
    const { width, height } = frame;
    const texture = this.texture_(width, height);
    if (frame.data) {
      this.device.queue.writeTexture({ texture }, frame.data, { bytesPerRow: width * 4 }, [width, height]);
    } else {
      this.device.queue.copyExternalImageToTexture({ source: frame }, { texture }, [width, height]);
      frame.close();
    }
    this.device.queue.writeBuffer(this.packSizes, 0, new Uint32Array([width, height, pw, ph]));
    const encoder = this.computePass(this.pack, [{ binding: 0, resource: texture.createView() },
      { binding: 1, resource: { buffer } }, { binding: 2, resource: { buffer: this.packSizes } }], pw, ph);
    this.device.queue.submit([encoder.finish()]);
  }

  /** A command encoder holding one pass of `pipeline` over width x height (8x8 workgroups), its
   * bindings `entries`; not yet submitted, so a caller can add copies after it. */
  computePass(pipeline, entries, width, height) {
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.ceil(width / 8), Math.ceil(height / 8));
    pass.end();
    return encoder;
  }

  /** The output tensor [1, 3, ph, pw], on the GPU, cropped to width x height as RGBA bytes. */
  async read(tensor, pw, ph, width, height) {
    const bytes = width * height * 4;
    if (this.packed?.size !== bytes) {
      this.packed?.destroy();
      this.staging?.destroy();
      this.packed = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      this.staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
    this.device.queue.writeBuffer(this.readSizes, 0, new Uint32Array([width, height, pw, ph]));
    const encoder = this.computePass(this.read_, [{ binding: 0, resource: { buffer: tensor.gpuBuffer } },
      { binding: 1, resource: { buffer: this.packed } }, { binding: 2, resource: { buffer: this.readSizes } }],
    width, height);
    encoder.copyBufferToBuffer(this.packed, 0, this.staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    const data = new Uint8ClampedArray(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    return data;
  }

  destroy() {
    this.packed?.destroy();
    this.staging?.destroy();
    this.readSizes.destroy();
    this.texture?.destroy();
    this.packSizes.destroy();
  }
}
