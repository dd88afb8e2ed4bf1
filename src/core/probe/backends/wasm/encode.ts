// A minimal WebAssembly binary encoder: just the sections, instructions and SIMD opcodes the probe's
// hand-written kernels use. Hand-rolled because no wasm toolchain ships with Node; the format is the
// WebAssembly core spec 2.0 (binary format, chapter 5) plus the fixed-width SIMD proposal's opcodes.

export const I32 = 0x7f;
export const V128 = 0x7b;
export const F32 = 0x7d;

/** Unsigned LEB128. */
export function u32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 for i32 constants. */
export function s32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...text].map((ch) => ch.charCodeAt(0));
  return [...u32(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

/** Instruction builder: each method appends one instruction's bytes. */
export class Code {
  readonly bytes: number[] = [];
  get(local: number): this { this.bytes.push(0x20, ...u32(local)); return this; }
  set(local: number): this { this.bytes.push(0x21, ...u32(local)); return this; }
  tee(local: number): this { this.bytes.push(0x22, ...u32(local)); return this; }
  i32(value: number): this { this.bytes.push(0x41, ...s32(value)); return this; }
  add(): this { this.bytes.push(0x6a); return this; }
  sub(): this { this.bytes.push(0x6b); return this; }
  mul(): this { this.bytes.push(0x6c); return this; }
  geU(): this { this.bytes.push(0x4f); return this; }
  ltU(): this { this.bytes.push(0x49); return this; }
  block(): this { this.bytes.push(0x02, 0x40); return this; }
  loop(): this { this.bytes.push(0x03, 0x40); return this; }
  end(): this { this.bytes.push(0x0b); return this; }
  br(depth: number): this { this.bytes.push(0x0c, ...u32(depth)); return this; }
  brIf(depth: number): this { this.bytes.push(0x0d, ...u32(depth)); return this; }
  /** v128.load with a constant byte offset (16-byte alignment hint). */
  v128Load(offset: number): this { this.bytes.push(0xfd, ...u32(0x00), 4, ...u32(offset)); return this; }
  /** v128.load32_splat: one f32 from memory into all four lanes. */
  load32Splat(offset: number): this { this.bytes.push(0xfd, ...u32(0x09), 2, ...u32(offset)); return this; }
  v128Store(offset: number): this { this.bytes.push(0xfd, ...u32(0x0b), 4, ...u32(offset)); return this; }
  v128Zero(): this { this.bytes.push(0xfd, ...u32(0x0c), ...new Array<number>(16).fill(0)); return this; }
  f32x4Add(): this { this.bytes.push(0xfd, ...u32(0xe4)); return this; }
  f32x4Sub(): this { this.bytes.push(0xfd, ...u32(0xe5)); return this; }
  f32x4Mul(): this { this.bytes.push(0xfd, ...u32(0xe6)); return this; }
  f32x4Div(): this { this.bytes.push(0xfd, ...u32(0xe7)); return this; }
  /** Lane-wise minimum and maximum (NaN-propagating, as Math.min/Math.max). */
  f32x4Min(): this { this.bytes.push(0xfd, ...u32(0xe8)); return this; }
  f32x4Max(): this { this.bytes.push(0xfd, ...u32(0xe9)); return this; }
  /** A float constant in all four lanes (f32.const then f32x4.splat). */
  f32x4Sqrt(): this { this.bytes.push(0xfd, ...u32(0xe3)); return this; }
  /** Round to nearest, ties to even (f32x4.nearest). */
  f32x4Nearest(): this { this.bytes.push(0xfd, ...u32(0x6a)); return this; }
  /** f32 lanes to i32 lanes, truncating and saturating (NaN → 0). */
  i32x4TruncSatF32x4(): this { this.bytes.push(0xfd, ...u32(0xf8)); return this; }
  /** Pseudo-minimum and -maximum: b < a ? b : a and a < b ? b : a (one minps/maxps on x64; NaN in a stays). */
  f32x4Pmin(): this { this.bytes.push(0xfd, ...u32(0xea)); return this; }
  f32x4Pmax(): this { this.bytes.push(0xfd, ...u32(0xeb)); return this; }
  i32x4Sub(): this { this.bytes.push(0xfd, ...u32(0xb1)); return this; }
  i32x4Add(): this { this.bytes.push(0xfd, ...u32(0xae)); return this; }
  i32x4Shl(): this { this.bytes.push(0xfd, ...u32(0xab)); return this; }
  i32x4Splat(): this { this.bytes.push(0xfd, ...u32(0x11)); return this; }
  f32x4Splat(): this { this.bytes.push(0xfd, ...u32(0x13)); return this; }
  f32x4ExtractLane(lane: number): this { this.bytes.push(0xfd, ...u32(0x1f), lane); return this; }
  /** Scalar f32 memory access (4-byte alignment hint) and arithmetic. */
  f32Load(offset: number): this { this.bytes.push(0x2a, 2, ...u32(offset)); return this; }
  f32Store(offset: number): this { this.bytes.push(0x38, 2, ...u32(offset)); return this; }
  f32Add(): this { this.bytes.push(0x92); return this; }
  f32Max(): this { this.bytes.push(0x97); return this; }
  f32Div(): this { this.bytes.push(0x95); return this; }
  f32Sub(): this { this.bytes.push(0x93); return this; }
  f32Mul(): this { this.bytes.push(0x94); return this; }
  f32Sqrt(): this { this.bytes.push(0x91); return this; }
  f32(value: number): this {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.bytes.push(0x43, view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
    return this;
  }
  shrU(): this { this.bytes.push(0x76); return this; }
  ltS(): this { this.bytes.push(0x48); return this; }
  leS(): this { this.bytes.push(0x4c); return this; }
  f32x4Const(value: number): this {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true); // wasm immediates are little-endian
    this.bytes.push(0x43, view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3), 0xfd, ...u32(0x13));
    return this;
  }
}

export interface FunctionSpec {
  exportName: string;
  params: number[];
  /** Extra locals after the parameters, as [count, type] runs. */
  locals: [number, number][];
  code: Code;
}

/**
 * A module that imports its memory as env.memory (shared when asked, so worker threads can run the
 * same code on the same bytes) and exports each function; all functions return nothing.
 */
export function encodeModule(functions: FunctionSpec[], memory: { initialPages: number; maximumPages: number; shared: boolean }): Uint8Array<ArrayBuffer> {
  const types = functions.map((fn) => [0x60, ...vector(fn.params.map((type) => [type])), 0x00]);
  const limits = memory.shared
    ? [0x03, ...u32(memory.initialPages), ...u32(memory.maximumPages)]
    : [0x01, ...u32(memory.initialPages), ...u32(memory.maximumPages)];
  const imports = vector([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const funcs = vector(functions.map((_, index) => u32(index)));
  const exports = vector(functions.map((fn, index) => [...name(fn.exportName), 0x00, ...u32(index)]));
  const bodies = functions.map((fn) => {
    const body = [...vector(fn.locals.map(([count, type]) => [...u32(count), type])), ...fn.code.bytes, 0x0b];
    return [...u32(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, vector(bodies)),
  ]);
}
