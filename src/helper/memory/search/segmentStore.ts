// A store's segments of postings in SQLite: search_segments (a rowid range, a salt, the memories' lengths) and
// search_blocks (postings.ts blocks, keyed by segment and first term). Writes a segment from analysed memories,
// reads a term's list and its positions, the lists of the terms under a prefix, the lengths and the deleted memories
// (search_deleted) through a bounded cache, and walks a segment's terms in order for merges.
import { randomInt } from 'node:crypto';
import type { Database } from '../db';
import { BlockBuilder, ByteReader, ByteWriter, EMPTY_LIST, EMPTY_POSITIONS, blockEntries, decodeList, decodePositions, findEntry, findInBlock, type ListPositions, type PostingList } from './postings';
import { SegmentCache } from './segmentCache';

const BLOCKS_PER_PAGE = 64;
const EMPTY_SET: Set<number> = new Set();

export interface SegmentInfo {
  seg: number;
  /** The rowids it covers, lo..hi (each memory in that range that existed when it was written). */
  lo: number;
  hi: number;
  /** Random per segment: a cached entry of a segment id that a rolled-back transaction once used is never reused. */
  salt: number;
  /** Memories it held when written, and deleted or edited since (triggers of schema v12). */
  docs: number;
  dead: number;
  /** 1 when its lists hold positions (segments written since schema v14), else 0. */
  positions: number;
}

export interface TermPostings {
  term: string;
  rowids: ArrayLike<number>;
  tfs: ArrayLike<number>;
  /** Each posting's positions, concatenated (tfs[i] of them for posting i), in a segment that holds positions. */
  positions?: ArrayLike<number>;
}

/** One term of a segment as a merge reads it. */
export interface SegmentTerm extends PostingList {
  term: string;
  positions?: ListPositions;
}

export class SegmentStore {
  private readonly stmts;
  private readonly cache = new SegmentCache<object>();

  constructor(db: Database) {
    this.stmts = {
      list: db.prepare('SELECT seg, lo, hi, salt, docs, dead, positions FROM search_segments ORDER BY lo'),
      block: db.prepare('SELECT block FROM search_blocks WHERE seg = ? AND first_term <= ? ORDER BY first_term DESC LIMIT 1').pluck(),
      // Paged: better-sqlite3 runs nothing else while a statement iterates, and a merge writes as it reads.
      blocksAfter: db.prepare(`SELECT first_term, block FROM search_blocks WHERE seg = ? AND first_term > ? ORDER BY first_term LIMIT ${BLOCKS_PER_PAGE}`).raw(true),
      blocksFrom: db.prepare('SELECT first_term, block FROM search_blocks WHERE seg = ? AND first_term > ? ORDER BY first_term').raw(true),
      lengths: db.prepare('SELECT lengths FROM search_segments WHERE seg = ?').pluck(),
      deleted: db.prepare('SELECT rowid FROM search_deleted WHERE rowid >= ? AND rowid <= ?').pluck(),
      insertSegment: db.prepare('INSERT INTO search_segments(seg, lo, hi, salt, lengths, docs, positions) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertBlock: db.prepare('INSERT INTO search_blocks(seg, first_term, block) VALUES (?, ?, ?)'),
      nextId: db.prepare('UPDATE search_stats SET next_segment = next_segment + 1 WHERE id = 1 RETURNING next_segment - 1').pluck(),
      deleteSegment: db.prepare('DELETE FROM search_segments WHERE seg = ?'),
      deleteBlocks: db.prepare('DELETE FROM search_blocks WHERE seg = ?'),
    };
  }

  /** Every segment, in rowid order. */
  list(): SegmentInfo[] {
    return this.stmts.list.all() as SegmentInfo[];
  }

  /** A term's postings in a segment (empty when it has none). */
  termList(s: SegmentInfo, term: string, termBytes: Buffer): PostingList {
    const key = `T${s.seg}:${s.salt}:${term}`;
    let list = this.cache.get(key) as PostingList | undefined;
    if (!list) {
      const block = this.stmts.block.get(s.seg, term) as Buffer | undefined;
      list = (block && findInBlock(block, termBytes)) || EMPTY_LIST;
      this.cache.set(key, list, list.rowids.byteLength + list.tfs.byteLength + 2 * term.length + 64);
    }
    return list;
  }

  /** A term's positions in a segment that holds them (empty when it has none). */
  termPositions(s: SegmentInfo, term: string, termBytes: Buffer): ListPositions {
    return this.memo(
      `Q${s.seg}:${s.salt}:${term}`,
      () => {
        const block = this.stmts.block.get(s.seg, term) as Buffer | undefined;
        const e = block && findEntry(block, termBytes);
        return e ? decodePositions(block, e.offset, e.count) : EMPTY_POSITIONS;
      },
      (p) => p.start.byteLength + p.at.byteLength + 2 * term.length + 64,
    );
  }

  /** The lists of every term of a segment that starts with `prefix` (as UTF-8 bytes), in byte order. */
  prefixLists(s: SegmentInfo, prefix: string): PostingList[] {
    const p = Buffer.from(prefix, 'utf8');
    const out: PostingList[] = [];
    /** Adds the block's terms under the prefix; false once a term past them is seen. */
    const scan = (block: Buffer): boolean => {
      for (const e of blockEntries(block)) {
        const c = Buffer.compare(e.term.subarray(0, p.length), p);
        if (c > 0) return false;
        if (c === 0) out.push(decodeList(block, e.offset, e.count));
      }
      return true;
    };
    // Terms are in byte order across a segment's blocks, so the prefix's terms are one run starting in the block
    // that would hold the prefix itself, and continuing through the next blocks whose first term starts with it.
    const at = this.stmts.block.get(s.seg, prefix) as Buffer | undefined;
    if (at && !scan(at)) return out;
    for (const [first, block] of this.stmts.blocksFrom.iterate(s.seg, prefix) as IterableIterator<[string, Buffer]>) {
      if (!first.startsWith(prefix) || !scan(block)) break;
    }
    return out;
  }

  /** Rowids of the segment's memories deleted since it was written (their postings stay until a merge), cached. */
  deleted(s: SegmentInfo): Set<number> {
    if (!s.dead) return EMPTY_SET;
    // A delete in the range counts in `dead` (schema v12's trigger): the key changes whenever the set does.
    const key = `D${s.seg}:${s.salt}:${s.dead}`;
    let set = this.cache.get(key) as Set<number> | undefined;
    if (!set) {
      set = new Set(this.stmts.deleted.all(s.lo, s.hi) as number[]);
      this.cache.set(key, set, 16 * set.size + 64);
    }
    return set;
  }

  /** A value derived from a segment's immutable data, computed once and kept in the bounded cache. */
  memo<V extends object>(key: string, make: () => V, bytes: (v: V) => number): V {
    let v = this.cache.get(key) as V | undefined;
    if (!v) {
      v = make();
      this.cache.set(key, v, bytes(v));
    }
    return v;
  }

  /** The lengths (tokens) of the segment's memories, indexed by rowid - lo. */
  lengths(s: SegmentInfo): Int32Array {
    const key = `L${s.seg}:${s.salt}`;
    let dls = this.cache.get(key) as Int32Array | undefined;
    if (!dls) {
      const r = new ByteReader(this.stmts.lengths.get(s.seg) as Buffer);
      dls = new Int32Array(s.hi - s.lo + 1);
      for (let i = 0; i < dls.length; i++) dls[i] = r.varint();
      this.cache.set(key, dls, dls.byteLength + 64);
    }
    return dls;
  }

  /**
   * Writes a segment over lo..hi holding `docs` memories: terms in byte order (postings.sortTerms), lengths by rowid -
   * lo, and, when `positions`, every term's positions (each TermPostings must then carry them).
   */
  write(lo: number, hi: number, terms: Iterable<TermPostings>, lengths: ArrayLike<number>, docs: number, positions: boolean): SegmentInfo {
    const seg = this.stmts.nextId.get() as number;
    const blocks = new BlockBuilder((first, block) => this.stmts.insertBlock.run(seg, first, block));
    for (const t of terms) {
      if (positions && !t.positions) throw new Error(`segment of positions: no positions for ${t.term}`);
      if (t.rowids.length) blocks.add(t.term, t.rowids, t.tfs, positions ? t.positions : undefined);
    }
    blocks.end();
    const w = new ByteWriter();
    for (let i = 0; i < hi - lo + 1; i++) w.varint(lengths[i] ?? 0);
    const salt = randomInt(2 ** 31);
    this.stmts.insertSegment.run(seg, lo, hi, salt, w.take(), docs, positions ? 1 : 0);
    return { seg, lo, hi, salt, docs, dead: 0, positions: positions ? 1 : 0 };
  }

  /** A segment's terms and lists in byte order, and their positions when asked (what a merge reads). */
  *terms(s: SegmentInfo, withPositions: boolean): Generator<SegmentTerm> {
    if (withPositions && !s.positions) throw new Error(`segment ${s.seg} holds no positions`);
    // '' sorts before every term, and no block starts with it (a segment's terms are non-empty).
    let after = '';
    for (;;) {
      const page = this.stmts.blocksAfter.all(s.seg, after) as [string, Buffer][];
      for (const [, block] of page) {
        for (const e of blockEntries(block)) {
          yield { term: e.term.toString('utf8'), ...decodeList(block, e.offset, e.count), ...(withPositions ? { positions: decodePositions(block, e.offset, e.count) } : {}) };
        }
      }
      if (page.length < BLOCKS_PER_PAGE) return;
      after = page[page.length - 1]![0];
    }
  }

  delete(s: SegmentInfo): void {
    this.stmts.deleteBlocks.run(s.seg);
    this.stmts.deleteSegment.run(s.seg);
  }

  /** Forgets cached lists (tests and benchmarks measuring a cold read). */
  clearCache(): void {
    this.cache.clear();
  }
}
