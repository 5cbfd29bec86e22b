// Vector helpers: float32 BLOB encoding and a streaming top-k over rows, so a search never holds every embedding.
import { Heap } from './search/heap';

export function normalize(v: Float32Array | number[]): Float32Array {
  const out = Float32Array.from(v);
  let n = 0;
  for (let i = 0; i < out.length; i++) n += out[i]! * out[i]!;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A typed view on a BLOB, copied only when its offset is not aligned for the element type. */
export function blobView<T extends Float32Array | Float64Array>(Type: { new (b: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number }, b: Uint8Array): T {
  const size = Type.BYTES_PER_ELEMENT;
  if (b.byteOffset % size === 0) return new Type(b.buffer, b.byteOffset, b.byteLength / size);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Type(copy.buffer, 0, b.byteLength / size);
}

/** A Float32Array view on a BLOB (copied only when unaligned). */
export function fromBlob(b: Buffer | Uint8Array): Float32Array {
  return blobView(Float32Array, b);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}

/** Keeps the k best (highest score) items seen; memory is O(k) whatever the number of rows. */
export class TopK<T> {
  /** The worst kept on top, so a better item replaces it in O(log k). */
  private readonly heap = new Heap<{ score: number; value: T }>((a, b) => a.score < b.score);
  constructor(private readonly k: number) {}

  get minScore(): number {
    return this.heap.size < this.k ? -Infinity : this.heap.peek()!.score;
  }

  offer(score: number, value: T): void {
    if (this.heap.size < this.k) this.heap.push({ score, value });
    else if (score > this.heap.peek()!.score) this.heap.replaceTop({ score, value });
  }

  /** Best first. */
  sorted(): { score: number; value: T }[] {
    return this.heap.toArray().sort((a, b) => b.score - a.score);
  }
}
