// Int8 dot products of one query against a chunk of codes: a 16-lane SIMD wasm kernel, with a plain JS loop
// for a runtime without WebAssembly SIMD. The kernel's memory grows to the largest chunk seen and stays there.
import kernelBytes from './int8Dot.wat';

export interface Int8DotKernel {
  readonly kind: 'wasm-simd' | 'js';
  /**
   * dot(query, codes[i]) for i < n; `codes` holds n rows of `stride` bytes (a multiple of 16, zero-padded).
   * The returned array is only valid until the next call.
   */
  dots(query: Int8Array, codes: Uint8Array, n: number, stride: number): Int32Array;
}

/** The slice of the WebAssembly API used here (this project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  dots(query: number, vectors: number, n: number, stride: number, out: number): void;
}

const PAGE = 64 * 1024;

class WasmInt8Dot implements Int8DotKernel {
  readonly kind = 'wasm-simd';
  constructor(private readonly exports: KernelExports) {}

  dots(query: Int8Array, codes: Uint8Array, n: number, stride: number): Int32Array {
    const { memory } = this.exports;
    const codesAt = stride;
    const outAt = codesAt + n * stride;
    const needed = outAt + n * 4;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(new Uint8Array(query.buffer, query.byteOffset, stride), 0);
    bytes.set(codes.subarray(0, n * stride), codesAt);
    this.exports.dots(0, codesAt, n, stride, outAt);
    return new Int32Array(memory.buffer, outAt, n);
  }
}

class JsInt8Dot implements Int8DotKernel {
  readonly kind = 'js';
  private out = new Int32Array(0);

  dots(query: Int8Array, codes: Uint8Array, n: number, stride: number): Int32Array {
    if (this.out.length < n) this.out = new Int32Array(n);
    const v = new Int8Array(codes.buffer, codes.byteOffset, n * stride);
    for (let i = 0; i < n; i++) {
      const base = i * stride;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < stride; j += 4) {
        s0 = (s0 + query[j]! * v[base + j]!) | 0;
        s1 = (s1 + query[j + 1]! * v[base + j + 1]!) | 0;
        s2 = (s2 + query[j + 2]! * v[base + j + 2]!) | 0;
        s3 = (s3 + query[j + 3]! * v[base + j + 3]!) | 0;
      }
      this.out[i] = (s0 + s1 + s2 + s3) | 0;
    }
    return this.out.subarray(0, n);
  }
}

export function jsInt8Dot(): Int8DotKernel {
  return new JsInt8Dot();
}

/** The SIMD kernel when this runtime can compile it, else the JS loop (same results, several times slower). */
export function createInt8Dot(): Int8DotKernel {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return new JsInt8Dot();
  try {
    const instance = new wasm.Instance(new wasm.Module(kernelBytes));
    return new WasmInt8Dot(instance.exports as unknown as KernelExports);
  } catch {
    return new JsInt8Dot();
  }
}
