// The bounded merge policy for segments: MERGE_FACTOR neighbouring segments of about the same size (size levels,
// powers of MERGE_FACTOR, within one of each other) become one, so a store holds O(MERGE_FACTOR · log(size))
// segments whatever the mix of single saves and imports, and each posting is rewritten O(log size) times. No merge
// makes a segment past MAX_MERGED_DOCS, so a single save never waits for a rewrite of the whole store (about a
// second at that size; larger segments are imports' own). A merge drops the postings of deleted memories and
// re-reads edited ones (search_dirty) from their text, so those stop costing every search; a segment a quarter stale
// is rewritten alone for the same reason.
import type { Database } from '../db';
import { BatchAnalyser } from './batchAnalysis';
import { compareUtf8 } from './postings';
import type { SegmentInfo, SegmentStore, TermPostings } from './segmentStore';

export const MERGE_FACTOR = 8;
export const MAX_MERGED_DOCS = 262_144;
/** Stale memories a segment may hold before a quarter of it is enough for a rewrite (small ones merge anyway). */
const MIN_STALE = 64;
/** Edited memories (search_dirty) all searches may re-read before the segment holding most of them is rewritten. */
export const MAX_DIRTY = 256;

const docs = (s: SegmentInfo) => s.hi - s.lo + 1;

/** Size level: level l holds MERGE_FACTOR^l to MERGE_FACTOR^(l+1) rowids. */
function level(s: SegmentInfo): number {
  return Math.floor(Math.log(docs(s)) / Math.log(MERGE_FACTOR) + 1e-9);
}

/** Merges while some run of MERGE_FACTOR neighbours spans at most two adjacent levels (the smallest such run first). */
export function mergeSegments(db: Database, segments: SegmentStore): void {
  for (;;) {
    const list = segments.list();
    let best = -1;
    let bestDocs = Infinity;
    for (let i = 0; i + MERGE_FACTOR <= list.length; i++) {
      const run = list.slice(i, i + MERGE_FACTOR);
      const levels = run.map(level);
      if (Math.max(...levels) - Math.min(...levels) > 1) continue;
      const total = run[run.length - 1]!.hi - run[0]!.lo + 1;
      if (total <= MAX_MERGED_DOCS && total < bestDocs) [best, bestDocs] = [i, total];
    }
    if (best >= 0) {
      mergeRun(db, segments, list.slice(best, best + MERGE_FACTOR));
      continue;
    }
    // A segment a quarter stale (deleted or edited memories) is rewritten alone; so is the one holding the most
    // edited memories once there are MAX_DIRTY of them (every search reads and analyses each edited memory's text).
    let stale = list.find((s) => s.dead >= MIN_STALE && 4 * s.dead > s.docs);
    if (!stale && list.length && (db.prepare('SELECT count(*) FROM search_dirty').pluck().get() as number) >= MAX_DIRTY) {
      const count = db.prepare('SELECT count(*) FROM search_dirty WHERE rowid >= ? AND rowid <= ?').pluck();
      stale = list.reduce((a, b) => ((count.get(b.lo, b.hi) as number) > (count.get(a.lo, a.hi) as number) ? b : a));
    }
    if (!stale) return;
    mergeRun(db, segments, [stale]);
  }
}

/** Terms in SQLite's BINARY (UTF-8 byte) order: JS's order of UTF-16 units but where both differ at a unit past U+D7FF. */
function termOrder(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : 1;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  if (x >= 0xd800 && y >= 0xd800) return compareUtf8(a, b);
  return x < y ? -1 : 1;
}

interface Extra {
  rowids: number[];
  tfs: number[];
  positions: number[];
}


/** Replaces neighbouring segments by one covering their range. */
export function mergeRun(db: Database, segments: SegmentStore, run: SegmentInfo[]): SegmentInfo {
  const lo = run[0]!.lo;
  const hi = run[run.length - 1]!.hi;
  // Whose postings are kept: memories that exist and were not edited since their segment was written.
  const keep = new Uint8Array(hi - lo + 1);
  for (const r of db.prepare('SELECT rowid FROM memories WHERE rowid >= ? AND rowid <= ?').pluck().iterate(lo, hi) as IterableIterator<number>) keep[r - lo] = 1;
  const lengths = new Int32Array(hi - lo + 1);
  for (const s of run) lengths.set(segments.lengths(s), s.lo - lo);
  for (let i = 0; i < keep.length; i++) if (!keep[i]) lengths[i] = 0;
  // Edited memories (and reused rowids) of the range, read from their text: their postings join the merged lists.
  const extra = new Map<string, Extra>();
  const dirty = db
    .prepare('SELECT m.rowid, m.content, m.tags FROM search_dirty d JOIN memories m ON m.rowid = d.rowid WHERE d.rowid >= ? AND d.rowid <= ? ORDER BY m.rowid')
    .all(lo, hi) as { rowid: number; content: string; tags: string }[];
  // The merged segment holds positions when all of its parts do (every segment written since schema v14).
  const withPositions = run.every((s) => s.positions);
  if (dirty.length) {
    const batch = new BatchAnalyser().analyse(dirty.flatMap((r) => [r.content, r.tags]));
    dirty.forEach((r, d) => {
      keep[r.rowid - lo] = 0;
      lengths[r.rowid - lo] = batch.lengths[d]!;
    });
    for (let k = 0, q = 0; k < batch.terms.length; k++) {
      const e: Extra = { rowids: [], tfs: [], positions: [] };
      for (let p = batch.start[k]!; p < batch.start[k + 1]!; p++) {
        const tf = batch.tfs[p]!;
        e.rowids.push(dirty[batch.docs[p]!]!.rowid);
        e.tfs.push(tf);
        for (let x = 0; x < tf; x++) e.positions.push(batch.positions[q++]!);
      }
      extra.set(batch.terms[k]!, e);
    }
  }
  const extraTerms = [...extra.keys()].sort(termOrder);

  function* merged(): Generator<TermPostings> {
    const streams = run.map((s) => segments.terms(s, withPositions));
    const heads = streams.map((it) => it.next());
    let x = 0;
    for (;;) {
      // The smallest term among the streams' heads and the edited memories' terms.
      let term: string | undefined;
      for (const h of heads) if (!h.done && (term === undefined || termOrder(h.value.term, term) < 0)) term = h.value.term;
      if (x < extraTerms.length && (term === undefined || termOrder(extraTerms[x]!, term) <= 0)) term = extraTerms[x]!;
      if (term === undefined) return;
      const add = extraTerms[x] === term ? extra.get(extraTerms[x++]!)! : null;
      let total = add ? add.rowids.length : 0;
      for (const h of heads) if (!h.done && h.value.term === term) total += h.value.rowids.length;
      const rowids = new Int32Array(total);
      const tfs = new Int32Array(total);
      const positions: number[] = [];
      let k = 0;
      let a = 0;
      let ap = 0;
      const addUpTo = (limit: number) => {
        for (; add && a < add.rowids.length && add.rowids[a]! < limit; a++) {
          rowids[k] = add.rowids[a]!;
          tfs[k++] = add.tfs[a]!;
          if (withPositions) for (let x = 0; x < add.tfs[a]!; x++) positions.push(add.positions[ap++]!);
        }
      };
      // Streams are in rowid order, and each list ascends: concatenation keeps the order.
      heads.forEach((h, i) => {
        if (h.done || h.value.term !== term) return;
        const l = h.value;
        for (let j = 0; j < l.rowids.length; j++) {
          const r = l.rowids[j]!;
          if (keep[r - lo] !== 1) continue;
          if (add) addUpTo(r);
          rowids[k] = r;
          tfs[k++] = l.tfs[j]!;
          if (withPositions) for (let q = l.positions!.start[j]!; q < l.positions!.start[j + 1]!; q++) positions.push(l.positions!.at[q]!);
        }
        heads[i] = streams[i]!.next();
      });
      addUpTo(Infinity);
      if (k) yield { term, rowids: rowids.subarray(0, k), tfs: tfs.subarray(0, k), ...(withPositions ? { positions } : {}) };
    }
  }

  let docs = dirty.length;
  for (let i = 0; i < keep.length; i++) if (keep[i] === 1) docs++;
  const out = segments.write(lo, hi, merged(), lengths, docs, withPositions);
  for (const s of run) segments.delete(s);
  db.prepare('DELETE FROM search_dirty WHERE rowid >= ? AND rowid <= ?').run(lo, hi);
  // The deleted memories' postings are gone with the old segments.
  db.prepare('DELETE FROM search_deleted WHERE rowid >= ? AND rowid <= ?').run(lo, hi);
  return out;
}
