// Vector helpers: float32 BLOB encoding and a streaming top-k over rows, so a search never holds every embedding.

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
  private readonly items: { score: number; value: T }[] = [];
  constructor(private readonly k: number) {}

  get minScore(): number {
    return this.items.length < this.k ? -Infinity : this.items[0]!.score;
  }

  offer(score: number, value: T): void {
    if (this.items.length < this.k) {
      this.items.push({ score, value });
      this.siftUp(this.items.length - 1);
    } else if (score > this.items[0]!.score) {
      this.items[0] = { score, value };
      this.siftDown(0);
    }
  }

  /** Best first. */
  sorted(): { score: number; value: T }[] {
    return [...this.items].sort((a, b) => b.score - a.score);
  }

  private siftUp(i: number): void {
    const a = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.score <= a[i]!.score) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.score < a[m]!.score) m = l;
      if (r < a.length && a[r]!.score < a[m]!.score) m = r;
      if (m === i) return;
      [a[m], a[i]] = [a[i]!, a[m]!];
      i = m;
    }
  }
}
