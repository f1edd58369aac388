// Pixels <-> model tensors, exactly as `rlministyler run` prepares them: RGBA bytes become a
// float32 NCHW RGB tensor in [0, 1], reflect-padded (OpenCV's BORDER_REFLECT_101) at the bottom and
// right to the model's size multiple; the output is cropped back and rounded to bytes.

const INV255 = Math.fround(1 / 255); // float32 1/255, as NumPy multiplies

/** The padded size for a frame: each side rounded up to a multiple of `multiple`. */
export function paddedSize(width, height, multiple) {
  return [Math.ceil(width / multiple) * multiple, Math.ceil(height / multiple) * multiple];
}

function reflect(i, n) {
  // BORDER_REFLECT_101 for an index past the end (pads are smaller than the image)
  return i < n ? i : 2 * (n - 1) - i;
}

/** RGBA bytes (width x height) -> Float32Array [1, 3, ph, pw] with reflect padding. */
export function toTensor(rgba, width, height, pw, ph) {
  const plane = pw * ph;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < ph; y++) {
    const sy = reflect(y, height);
    for (let x = 0; x < pw; x++) {
      const s = (sy * width + reflect(x, width)) * 4;
      const d = y * pw + x;
      out[d] = rgba[s] * INV255;
      out[plane + d] = rgba[s + 1] * INV255;
      out[2 * plane + d] = rgba[s + 2] * INV255;
    }
  }
  return out;
}

/** Float32Array [1, 3, ph, pw] in [0, 1] -> RGBA bytes cropped to width x height (opaque). */
export function fromTensor(data, pw, ph, width, height) {
  const plane = pw * ph;
  const out = new Uint8ClampedArray(width * height * 4); // rounds half to even and clamps
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = y * pw + x;
      const d = (y * width + x) * 4;
      out[d] = data[s] * 255;
      out[d + 1] = data[plane + s] * 255;
      out[d + 2] = data[2 * plane + s] * 255;
      out[d + 3] = 255;
    }
  }
  return out;
}
