// Exact top-k for queries of plain words, without scoring every match: each word's postings are read best first
// (a k-way merge over its segments' tf groups, whose heads are upper bounds for everything after them), and the
// reading stops by the rule of Fagin's No-Random-Access algorithm: when the k-th best lower bound beats the upper
// bound of every other memory, seen or not. Memories newer than the last segment, and edited ones, are scored
// from their text. The k found are then scored exactly from their text, so the order is the store's exact order.
import type { Database } from '../db';
import { docTerms } from './docTerms';
import { Heap } from './heap';
import { groupCursors, type GroupCursor } from './postings';
import type { ParsedQuery } from './query';
import { compareScored, idf, scoreDoc, termWeight, type CorpusStats, type Scored } from './scoring';

/** More clauses than bits in a mask go to the full ranking. */
export const MAX_TOP_K_TERMS = 30;
/** A bound must beat the k-th best by this much (relative): sums of floats in another order differ by ulps. */
const EPSILON = 1e-9;
const FIRST_BATCH = 64;
const MAX_BATCH = 65_536;
/**
 * Memories seen for some words but not others are looked up (scored from their text) when their upper bound keeps
 * the reading going, highest bound first. A lookup costs about as much as reading 64 postings, so a round looks up
 * at most batch / 64 of them (k at least) and otherwise reads on: deeper bounds settle most of them for free.
 */
const POSTINGS_PER_LOOKUP = 64;

interface Head {
  cursor: GroupCursor;
  weight: number;
}

/** One word's postings in exact descending weight order, merged over every segment and tf group. */
class TermStream {
  private readonly heap = new Heap<Head>((a, b) => a.weight > b.weight);

  constructor(
    blobs: Buffer[],
    private readonly idf: number,
    private readonly avgdl: number,
  ) {
    for (const b of blobs) for (const c of groupCursors(b)) if (!c.done) this.heap.push({ cursor: c, weight: this.weight(c) });
  }

  private weight(c: GroupCursor): number {
    return this.idf * termWeight(c.tf, c.dl, this.avgdl);
  }

  get exhausted(): boolean {
    return this.heap.size === 0;
  }

  /** The weight of the next posting: no posting after it weighs more. */
  get bound(): number {
    return this.heap.peek()?.weight ?? 0;
  }

  /** Length of the memory of the next posting. */
  get headDl(): number {
    return this.heap.peek()!.cursor.dl;
  }

  /** Takes the next posting; returns its rowid (its weight was `bound`, its length `headDl`). */
  take(): number {
    const h = this.heap.peek()!;
    const rowid = h.cursor.rowid;
    h.cursor.next();
    if (h.cursor.done) this.heap.pop();
    else this.heap.replaceTop({ cursor: h.cursor, weight: this.weight(h.cursor) });
    return rowid;
  }
}

interface Candidate {
  rowid: number;
  mask: number;
  matched: number;
  sum: number;
  /** The memory's length (from its postings): what it would weigh in a list it has not been seen in. */
  dl: number;
}

interface TextRow {
  rowid: number;
  content: string;
  tags: string;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/** a ranks strictly below the threshold (matched, then bm25 with a margin), so it cannot enter the top k. */
function below(matched: number, sum: number, t: { matched: number; sum: number }): boolean {
  return matched < t.matched || (matched === t.matched && sum < t.sum - EPSILON * Math.max(1, Math.abs(t.sum)));
}

/** Lower-bound order of candidates (the worst on top of a top-k heap). */
function worse(a: Candidate, b: Candidate): boolean {
  return a.matched < b.matched || (a.matched === b.matched && (a.sum < b.sum || (a.sum === b.sum && a.rowid < b.rowid)));
}

export interface TopKStats {
  /** Postings read, over all words (for benchmarks). */
  postingsRead: number;
}

export class ExactTopK {
  private readonly stmts;
  lastStats: TopKStats = { postingsRead: 0 };

  constructor(db: Database) {
    this.stmts = {
      stats: db.prepare('SELECT docs, tokens, segmented_upto AS upto FROM search_stats WHERE id = 1'),
      df: db.prepare('SELECT df FROM search_terms WHERE term = ?').pluck(),
      postings: db.prepare('SELECT postings FROM search_postings WHERE term = ?').pluck(),
      dirty: db.prepare('SELECT rowid FROM search_dirty').pluck(),
      tail: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid IN (SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? AND rowid > ?)'),
      texts: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid IN (SELECT value FROM json_each(?))'),
    };
  }

  /** Whether a query is plain words that this path ranks (phrases and prefixes go to the full ranking). */
  static handles(q: ParsedQuery): boolean {
    return q.clauses.length <= MAX_TOP_K_TERMS && q.clauses.every((c) => c.kind === 'term');
  }

  /** The k best memories for the query's words, in the store's exact order. */
  top(q: ParsedQuery, k: number): Scored[] {
    const stems = q.clauses.map((c) => c.stems[0]!);
    const st = this.stmts.stats.get() as CorpusStats & { upto: number };
    this.lastStats = { postingsRead: 0 };
    if (!st.docs) return [];
    const avgdl = st.tokens / st.docs;
    const idfs = stems.map((s) => idf(st, (this.stmts.df.get(s) as number | undefined) ?? 0));
    const exactOf = (r: TextRow) => {
      const d = docTerms(r.content, r.tags);
      return scoreDoc(r.rowid, idfs, stems, d.tf, d.dl, avgdl);
    };
    // Scored from their text: memories after the last segment (found through FTS5) and edited ones.
    const exact = new Map<number, Scored>();
    const dirty = new Set(this.stmts.dirty.all() as number[]);
    for (const r of this.stmts.tail.all(q.match, st.upto) as TextRow[]) if (!dirty.has(r.rowid)) exact.set(r.rowid, exactOf(r));
    if (dirty.size) {
      for (const r of this.stmts.texts.all(JSON.stringify([...dirty])) as TextRow[]) {
        const s = exactOf(r);
        if (s.matched) exact.set(r.rowid, s);
      }
    }
    const streams = stems.map((s, i) => new TermStream(this.stmts.postings.all(s) as Buffer[], idfs[i]!, avgdl));
    const seen = new Map<number, Candidate>();
    for (const s of exact.values()) seen.set(s.rowid, { rowid: s.rowid, mask: -1, matched: s.matched, sum: s.bm25, dl: 0 });
    // A memory of length dl holding word i at all weighs at least this in its list: once a list's bound is below
    // it, a memory not seen in that list does not hold the word (its posting would have come first).
    const minWeight = (i: number, dl: number) => idfs[i]! * termWeight(1, dl, avgdl);
    const dead = new Set<number>();
    let batch = FIRST_BATCH;
    let read = true;
    for (;;) {
      for (let i = 0; read && i < streams.length; i++) {
        const stream = streams[i]!;
        const bit = 1 << i;
        for (let j = 0; j < batch && !stream.exhausted; j++) {
          const w = stream.bound;
          const dl = stream.headDl;
          const rowid = stream.take();
          this.lastStats.postingsRead++;
          if (dirty.has(rowid) || dead.has(rowid)) continue;
          let c = seen.get(rowid);
          if (!c) seen.set(rowid, (c = { rowid, mask: 0, matched: 0, sum: 0, dl }));
          if (c.mask & bit || c.mask === -1) continue;
          c.mask |= bit;
          c.matched++;
          c.sum += w;
        }
      }
      if (read) batch = Math.min(batch * 2, MAX_BATCH);
      read = true;
      let open = 0;
      const bounds = streams.map((s, i) => {
        if (!s.exhausted) open |= 1 << i;
        return s.bound;
      });
      const top = new Heap<Candidate>(worse);
      for (const c of seen.values()) {
        if (top.size < k) top.push(c);
        else if (worse(top.peek()!, c)) top.replaceTop(c);
      }
      if (open !== 0 && top.size < k) continue;
      const kth = top.peek();
      // Outside the top k: memories fully known whose score ties the k-th within float noise are settled below
      // by their exact scores; any other must rank strictly below the k-th even at its upper bound.
      const borderline: Candidate[] = [];
      if (kth) {
        if (open !== 0) {
          let unseenSum = 0;
          for (const b of bounds) unseenSum += b;
          if (!below(popcount(open), unseenSum, kth)) continue;
        }
        const inTop = new Set(top.toArray());
        const blockers: { c: Candidate; ub: number }[] = [];
        for (const c of seen.values()) {
          if (inTop.has(c)) continue;
          let missing = c.mask === -1 ? 0 : open & ~c.mask;
          for (let i = 0; missing >> i; i++) if (missing & (1 << i) && bounds[i]! < minWeight(i, c.dl)) missing &= ~(1 << i);
          if (missing === 0) {
            if (!below(c.matched, c.sum, kth)) borderline.push(c);
            continue;
          }
          let ub = c.sum;
          for (let i = 0; missing >> i; i++) if (missing & (1 << i)) ub += bounds[i]!;
          if (!below(c.matched + popcount(missing), ub, kth)) blockers.push({ c, ub });
        }
        // Partly seen memories in the top k are looked up too: their exact scores raise the k-th best.
        for (const c of inTop) {
          if (c.mask === -1) continue;
          let missing = open & ~c.mask;
          for (let i = 0; missing >> i; i++) if (missing & (1 << i) && bounds[i]! < minWeight(i, c.dl)) missing &= ~(1 << i);
          if (missing !== 0) blockers.push({ c, ub: Infinity });
        }
        if (blockers.length) {
          blockers.sort((a, b) => b.ub - a.ub);
          const allowed = Math.max(k, Math.floor(batch / POSTINGS_PER_LOOKUP));
          const lookup = blockers.slice(0, allowed).map((b) => b.c);
          const texts = new Map((this.stmts.texts.all(JSON.stringify(lookup.map((c) => c.rowid))) as TextRow[]).map((r) => [r.rowid, r]));
          for (const c of lookup) {
            const r = texts.get(c.rowid);
            if (!r) {
              dead.add(c.rowid);
              seen.delete(c.rowid);
              continue;
            }
            const e = exactOf(r);
            exact.set(c.rowid, e);
            c.mask = -1;
            c.matched = e.matched;
            c.sum = e.bm25;
          }
          // Read on unless these lookups settle every blocker.
          read = blockers.length > allowed;
          continue;
        }
      }
      // The top k are known; score them exactly from their text (which also tells which still exist).
      const pool = [...top.toArray(), ...borderline];
      const need = pool.filter((c) => !exact.has(c.rowid));
      const rows = new Map((this.stmts.texts.all(JSON.stringify(need.map((c) => c.rowid))) as TextRow[]).map((r) => [r.rowid, r]));
      const gone = need.filter((c) => !rows.has(c.rowid));
      if (gone.length) {
        // Deleted since their segment was written: drop them and look again.
        for (const c of gone) {
          dead.add(c.rowid);
          seen.delete(c.rowid);
        }
        continue;
      }
      return pool
        .map((c) => exact.get(c.rowid) ?? exactOf(rows.get(c.rowid)!))
        .sort(compareScored)
        .slice(0, k);
    }
  }
}
