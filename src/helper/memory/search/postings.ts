// The byte format of a segment's postings: per term, the memories holding it in rowid order (delta-coded) with the
// term's frequency in each. Terms are packed in blocks in byte order — a block holds up to BLOCK_MAX_TERMS terms or
// about BLOCK_TARGET_BYTES of lists, so a common term's list is a block of its own and rare ones share — and a block
// is one SQLite row keyed by its first term: a segment of 20,000 memories is a few hundred rows, not one per term.

/** A term's postings in one segment: rowids ascending, and the term's frequency in each memory. */
export interface PostingList {
  rowids: Int32Array;
  tfs: Int32Array;
}

export const EMPTY_LIST: PostingList = { rowids: new Int32Array(0), tfs: new Int32Array(0) };

export const BLOCK_MAX_TERMS = 64;
export const BLOCK_TARGET_BYTES = 4096;

/** A growable byte buffer with unsigned varints (7 bits a byte, low first). */
export class ByteWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.len++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[this.len++] = v;
  }

  bytes(src: Buffer | Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** A copy of what was written, and the writer emptied. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    return out;
  }
}

/** A reading position in a buffer. */
export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
  ) {}

  varint(): number {
    const b = this.buf;
    let x = b[this.pos++]!;
    if (x < 0x80) return x;
    let v = x & 0x7f;
    let mul = 128;
    for (;;) {
      x = b[this.pos++]!;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }
}

/**
 * Writes one list (rowids ascending): its rowid deltas, then its frequencies, then (segments of schema v14) each
 * posting's tf positions in the memory, ascending and delta-coded from 0 for each posting. Readers of rowids and
 * frequencies stop before the positions, so a list reads the same with or without them.
 */
export function encodeList(w: ByteWriter, rowids: ArrayLike<number>, tfs: ArrayLike<number>, positions?: ArrayLike<number>): void {
  let prev = 0;
  for (let i = 0; i < rowids.length; i++) {
    const r = rowids[i]!;
    w.varint(r - prev);
    prev = r;
  }
  for (let i = 0; i < tfs.length; i++) w.varint(tfs[i]!);
  if (!positions) return;
  for (let i = 0, q = 0; i < tfs.length; i++) {
    let last = 0;
    for (let end = q + tfs[i]!; q < end; q++) {
      w.varint(positions[q]! - last);
      last = positions[q]!;
    }
  }
}

/** A list's positions: posting i's are at[start[i]] .. at[start[i + 1] - 1], ascending. */
export interface ListPositions {
  start: Int32Array;
  at: Int32Array;
}

export const EMPTY_POSITIONS: ListPositions = { start: new Int32Array(1), at: new Int32Array(0) };

/** The positions of the list of n postings at `pos` (a list written with them). */
export function decodePositions(buf: Uint8Array, pos: number, n: number): ListPositions {
  const r = new ByteReader(buf, pos);
  for (let i = 0; i < n; i++) r.varint();
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + r.varint();
  const at = new Int32Array(start[n]!);
  for (let i = 0; i < n; i++) {
    let last = 0;
    for (let q = start[i]!; q < start[i + 1]!; q++) at[q] = last += r.varint();
  }
  return { start, at };
}

export function decodeList(buf: Uint8Array, pos: number, n: number): PostingList {
  const rowids = new Int32Array(n);
  const tfs = new Int32Array(n);
  // Inlined varints (one byte each for most deltas and frequencies): the cold path of every search decodes here.
  let p = pos;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    let x = buf[p++]!;
    if (x >= 0x80) {
      let v = x & 0x7f;
      let mul = 128;
      do {
        x = buf[p++]!;
        v += (x & 0x7f) * mul;
        mul *= 128;
      } while (x >= 0x80);
      x = v;
    }
    rowids[i] = prev += x;
  }
  for (let i = 0; i < n; i++) {
    let x = buf[p++]!;
    if (x >= 0x80) {
      let v = x & 0x7f;
      let mul = 128;
      do {
        x = buf[p++]!;
        v += (x & 0x7f) * mul;
        mul *= 128;
      } while (x >= 0x80);
      x = v;
    }
    tfs[i] = x;
  }
  return { rowids, tfs };
}

/** One term's entry in a block header. */
export interface BlockEntry {
  term: Buffer;
  count: number;
  /** Offset of its list in the block. */
  offset: number;
  bytes: number;
}

/** Builds blocks: terms added in byte order; `flush` is called with each full block and its first term. */
export class BlockBuilder {
  private readonly data = new ByteWriter();
  private readonly header = new ByteWriter();
  private terms: { term: Buffer; count: number; bytes: number }[] = [];
  private first = '';

  constructor(private readonly flush: (firstTerm: string, block: Buffer) => void) {}

  add(term: string, rowids: ArrayLike<number>, tfs: ArrayLike<number>, positions?: ArrayLike<number>): void {
    const before = this.data.len;
    if (this.terms.length && (this.terms.length >= BLOCK_MAX_TERMS || before >= BLOCK_TARGET_BYTES)) {
      this.end();
      return this.add(term, rowids, tfs, positions);
    }
    if (!this.terms.length) this.first = term;
    encodeList(this.data, rowids, tfs, positions);
    this.terms.push({ term: Buffer.from(term, 'utf8'), count: rowids.length, bytes: this.data.len - before });
  }

  /** Writes the last block (if any). */
  end(): void {
    if (!this.terms.length) return;
    const h = this.header;
    h.varint(this.terms.length);
    for (const t of this.terms) {
      h.varint(t.term.length);
      h.bytes(t.term);
      h.varint(t.count);
      h.varint(t.bytes);
    }
    h.bytes(this.data.buf.subarray(0, this.data.len));
    this.data.len = 0;
    this.terms = [];
    this.flush(this.first, h.take());
  }
}

/** The header of a block: its terms in order, with where their lists are. */
export function blockEntries(block: Uint8Array): BlockEntry[] {
  const r = new ByteReader(block);
  const n = r.varint();
  const raw: { term: Buffer; count: number; bytes: number }[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.varint();
    const term = Buffer.from(block.buffer, block.byteOffset + r.pos, len);
    r.pos += len;
    raw.push({ term, count: r.varint(), bytes: r.varint() });
  }
  let offset = r.pos;
  return raw.map((e) => {
    const out = { ...e, offset };
    offset += e.bytes;
    return out;
  });
}

/** A term's list in a block, or null when the block does not hold it. */
export function findInBlock(block: Uint8Array, term: Buffer): PostingList | null {
  const e = findEntry(block, term);
  return e ? decodeList(block, e.offset, e.count) : null;
}

/** Where a term's list is in a block (and its postings), or null when the block does not hold it. */
export function findEntry(block: Uint8Array, term: Buffer): { offset: number; count: number } | null {
  const r = new ByteReader(block);
  const n = r.varint();
  let offset = 0;
  let found: { count: number; at: number } | null = null;
  for (let i = 0; i < n; i++) {
    const len = r.varint();
    const start = r.pos;
    r.pos += len;
    const count = r.varint();
    const bytes = r.varint();
    if (!found && len === term.length && Buffer.compare(term, block.subarray(start, start + len)) === 0) found = { count, at: offset };
    offset += bytes;
  }
  return found ? { offset: r.pos + found.at, count: found.count } : null;
}

/** Byte order of UTF-8 (SQLite's BINARY collation), which JS's `<` on strings matches except past U+D7FF. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Sorts terms in SQLite's order, with JS's fast string order when no term has a character past U+D7FF. */
export function sortTerms<T>(items: T[], term: (x: T) => string): T[] {
  const wide = items.some((x) => /[\ud800-\uffff]/.test(term(x)));
  return wide ? items.sort((a, b) => compareUtf8(term(a), term(b))) : items.sort((a, b) => (term(a) < term(b) ? -1 : term(a) > term(b) ? 1 : 0));
}
