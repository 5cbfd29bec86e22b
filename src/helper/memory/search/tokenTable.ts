// A bounded hash table from tokens to values that looks a token up by its place in a text, without making a
// string for it: the indexer's per-token lookup (a Map lookup of a fresh string cost more than tokenizing).
// Open addressing with FNV-1a over UTF-16 units; emptied when half full (the hot vocabulary refills it at once).

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function hashString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** text[start, end) as a plain word folds it: the first unit lower-cased when `capital` (ASCII only). */
export function hashRange(text: string, start: number, end: number, capital: boolean): number {
  let h = Math.imul(FNV_OFFSET ^ (capital ? text.charCodeAt(start) | 0x20 : text.charCodeAt(start)), FNV_PRIME);
  for (let i = start + 1; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

export class TokenTable<V> {
  private keys: (string | undefined)[];
  private hashes: Int32Array;
  private values: (V | undefined)[];
  private readonly mask: number;
  private size = 0;

  constructor(bits = 17) {
    const n = 1 << bits;
    this.mask = n - 1;
    this.keys = new Array<string | undefined>(n).fill(undefined);
    this.hashes = new Int32Array(n);
    this.values = new Array<V | undefined>(n).fill(undefined);
  }

  /** The value of the folded word text[start, end) (see hashRange), or undefined. */
  getRange(text: string, start: number, end: number, capital: boolean, h: number): V | undefined {
    const len = end - start;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i];
      if (k === undefined) return undefined;
      if (this.hashes[i] !== h || k.length !== len) continue;
      let j = 0;
      if (capital) {
        if (k.charCodeAt(0) !== (text.charCodeAt(start) | 0x20)) continue;
        j = 1;
      }
      for (; j < len && k.charCodeAt(j) === text.charCodeAt(start + j); j++);
      if (j === len) return this.values[i];
    }
  }

  get(key: string, h: number): V | undefined {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i];
      if (k === undefined) return undefined;
      if (this.hashes[i] === h && k === key) return this.values[i];
    }
  }

  /** Adds a key known to be absent. */
  add(key: string, h: number, value: V): void {
    if (this.size >= (this.mask + 1) >> 1) this.clear();
    let i = h & this.mask;
    while (this.keys[i] !== undefined) i = (i + 1) & this.mask;
    this.keys[i] = key;
    this.hashes[i] = h;
    this.values[i] = value;
    this.size++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.size = 0;
  }
}
