// The int8 dot kernels: the SIMD wasm kernel and the JS fallback agree with a plain loop, for strides that are
// and are not the embedding's own dimension, and across chunks of different sizes (the wasm memory grows).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createInt8Dot, jsInt8Dot } from '../../../src/helper/memory/int8Dot';
import { quantize, strideFor } from '../../../src/helper/memory/vectorIndex';

function random(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

function reference(q: Int8Array, codes: Int8Array, n: number, stride: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < stride; j++) s += q[j]! * codes[i * stride + j]!;
    out.push(s);
  }
  return out;
}

describe('int8 dot kernels', () => {
  it('compiles the SIMD kernel on this runtime', () => {
    assert.equal(createInt8Dot().kind, 'wasm-simd');
  });

  for (const [dim, n] of [[384, 1000], [100, 7], [1536, 300], [16, 1]] as const) {
    it(`wasm and JS agree with a plain loop (dim ${dim}, ${n} vectors)`, () => {
      const r = random(dim * 31 + n);
      const stride = strideFor(dim);
      const codes = new Int8Array(n * stride);
      for (let i = 0; i < n; i++) {
        const { codes: c } = quantize(Float32Array.from({ length: dim }, r), stride);
        codes.set(c, i * stride);
      }
      // Extremes too: -128..127 products must not overflow the i32 lanes.
      codes[0] = -128;
      const { codes: q } = quantize(Float32Array.from({ length: dim }, r), stride);
      const expected = reference(q, codes, n, stride);
      const bytes = new Uint8Array(codes.buffer);
      for (const kernel of [createInt8Dot(), jsInt8Dot()]) {
        assert.deepEqual(Array.from(kernel.dots(q, bytes, n, stride)), expected, kernel.kind);
      }
    });
  }

  it('quantizes within half a step of the scale and pads codes with zeros', () => {
    const v = Float32Array.from([0.5, -0.25, 0.125, 0]);
    const { codes, scale } = quantize(v);
    assert.equal(codes.length, 16);
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(codes[i]! * scale - v[i]!) <= scale / 2 + 1e-9);
    assert.deepEqual(Array.from(codes.subarray(4)), new Array(12).fill(0));
    assert.deepEqual(quantize(new Float32Array(3)).scale, 0);
  });
});
