// Decoded segment data kept between searches, bounded by bytes (least recently used out first). Segments never
// change once written (a merge writes a new one with a new id and salt), so an entry is never stale: at worst unused.

/** Decoded lists and lengths of the common terms of a million memories fit with room to spare. */
export const SEGMENT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

export class SegmentCache<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(readonly maxBytes = SEGMENT_CACHE_MAX_BYTES) {}

  get bytes(): number {
    return this.total;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    // Re-inserted: Map order is recency order.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, bytes: number): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.bytes;
      this.map.delete(key);
    }
    // A value larger than the whole budget is used once and not kept.
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
