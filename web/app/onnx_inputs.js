// The input shapes written in an .onnx file (ModelProto.graph.input), read from its protobuf bytes
// without a session: the page fixes the frame size of its WebGPU sessions by the names of the
// content input's free dimensions (freeDimensionOverrides), which only the model itself holds.

function reader(bytes, start = 0, end = bytes.length) {
  let at = start;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  return {
    /** The next field as [number, wireType, value]: value is a number or [start, end) of bytes. */
    next() {
      if (at >= end) return null;
      const key = varint();
      const [field, wire] = [Math.floor(key / 8), key % 8];
      if (wire === 0) return [field, wire, varint()];
      if (wire === 1) { at += 8; return [field, wire, null]; }
      if (wire === 5) { at += 4; return [field, wire, null]; }
      if (wire !== 2) throw new Error('not an ONNX model');
      const length = varint();
      const range = [at, at + length];
      at += length;
      return [field, wire, range];
    },
  };
}

function* fields(bytes, range, wanted) {
  const r = reader(bytes, ...(range || []));
  for (let f = r.next(); f; f = r.next()) if (f[0] === wanted) yield f[2];
}

const text = (bytes, [start, end]) => new TextDecoder().decode(bytes.subarray(start, end));

/** Map of input name -> its dimensions (a number, or the name of a free dimension). */
export function modelInputs(bytes) {
  const inputs = new Map();
  for (const graph of fields(bytes, null, 7)) { // ModelProto.graph
    for (const input of fields(bytes, graph, 11)) { // GraphProto.input (ValueInfoProto)
      const name = [...fields(bytes, input, 1)].map((r) => text(bytes, r))[0];
      const dims = [];
      for (const type of fields(bytes, input, 2)) { // TypeProto
        for (const tensor of fields(bytes, type, 1)) { // .tensor_type
          for (const shape of fields(bytes, tensor, 2)) { // .shape
            for (const dim of fields(bytes, shape, 1)) { // .dim
              const r = reader(bytes, ...dim);
              let value = '?';
              for (let f = r.next(); f; f = r.next()) {
                if (f[0] === 1 && f[1] === 0) value = f[2];
                if (f[0] === 2 && f[1] === 2) value = text(bytes, f[2]);
              }
              dims.push(value);
            }
          }
        }
      }
      inputs.set(name, dims);
    }
  }
  return inputs;
}
