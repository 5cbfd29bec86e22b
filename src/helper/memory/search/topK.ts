// Exact top-k for queries of plain words over rowid-ordered postings. The ranking is lexicographic (memories matching
// more words first), so the memories holding every word come first: they are found by intersecting the words' lists
// (galloping from the shortest) and ranked exactly; only when fewer than k of them exist is every memory holding any
// word scored (an n-way merge of the lists). Memories newer than the last segment, and edited ones, are scored from
// their text. Scores from postings are computed exactly as from text (same terms, same order), so ties are exact too.
import type { Database } from '../db';
import { docTerms } from './docTerms';
import { Heap } from './heap';
import type { PostingList } from './postings';
import type { ParsedQuery } from './query';
import { compareScored, idf, scoreDoc, termWeight, type CorpusStats, type Scored } from './scoring';
import { SegmentStore, type SegmentInfo } from './segmentStore';

/** More clauses than this go to the full ranking. */
export const MAX_TOP_K_TERMS = 30;

interface TextRow {
  rowid: number;
  content: string;
  tags: string;
}

export interface TopKStats {
  /** Postings in the lists read, over all words and segments (for benchmarks). */
  postingsRead: number;
  /** Memories scored from postings. */
  scored: number;
  /** Whether every memory holding any word was scored (fewer than k hold all of them). */
  exhaustive: boolean;
}

interface Part {
  s: SegmentInfo;
  lists: PostingList[];
  dls: Int32Array | null;
}

/** Memories scored from postings, in parallel arrays (hundreds of thousands at a million memories). */
class Candidates {
  n = 0;
  rowids = new Int32Array(1024);
  matched = new Uint8Array(1024);
  bm25 = new Float64Array(1024);

  push(rowid: number, matched: number, bm25: number): void {
    if (this.n === this.rowids.length) {
      const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.rowids = grow(this.rowids);
      this.matched = grow(this.matched);
      this.bm25 = grow(this.bm25);
    }
    this.rowids[this.n] = rowid;
    this.matched[this.n] = matched;
    this.bm25[this.n++] = bm25;
  }
}

/** The first index ≥ from whose rowid is ≥ target (exponential then binary search). */
function gallop(a: Int32Array, from: number, target: number): number {
  if (from >= a.length || a[from]! >= target) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < a.length && a[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  if (hi > a.length) hi = a.length;
  // a[lo] < target, and a[hi] ≥ target or hi = length.
  while (lo + 1 < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

export class ExactTopK {
  private readonly stmts;
  readonly segments: SegmentStore;
  lastStats: TopKStats = { postingsRead: 0, scored: 0, exhaustive: false };

  constructor(db: Database) {
    this.segments = new SegmentStore(db);
    this.stmts = {
      stats: db.prepare('SELECT docs, tokens, segmented_upto AS upto, (SELECT coalesce(max(rowid), 0) FROM memories) AS last FROM search_stats WHERE id = 1'),
      df: db.prepare('SELECT df FROM search_terms WHERE term = ?').pluck(),
      dirty: db.prepare('SELECT rowid FROM search_dirty').pluck(),
      tail: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid IN (SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? AND rowid > ?)'),
      texts: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid IN (SELECT value FROM json_each(?))'),
      alive: db.prepare('SELECT rowid FROM memories WHERE rowid IN (SELECT value FROM json_each(?))').pluck(),
    };
  }

  /** Whether a query is plain words that this path ranks (phrases and prefixes go to the full ranking). */
  static handles(q: ParsedQuery): boolean {
    return q.clauses.length <= MAX_TOP_K_TERMS && q.clauses.every((c) => c.kind === 'term');
  }

  /** The k best memories for the query's words, in the store's exact order. */
  top(q: ParsedQuery, k: number): Scored[] {
    const stems = q.clauses.map((c) => c.stems[0]!);
    const n = stems.length;
    const st = this.stmts.stats.get() as CorpusStats & { upto: number; last: number };
    this.lastStats = { postingsRead: 0, scored: 0, exhaustive: false };
    if (!st.docs || k <= 0) return [];
    const avgdl = st.tokens / st.docs;
    const idfs = stems.map((s) => idf(st, (this.stmts.df.get(s) as number | undefined) ?? 0));
    const exactOf = (r: TextRow) => {
      const d = docTerms(r.content, r.tags);
      return scoreDoc(r.rowid, idfs, stems, d.tf, d.dl, avgdl);
    };
    // Scored from their text: edited memories, and any after the last segment (every save writes one; found through
    // FTS5, which is slow for common words, should a writer ever have indexed without segments).
    const exact: Scored[] = [];
    const dirty = new Set(this.stmts.dirty.all() as number[]);
    if (st.last > st.upto) for (const r of this.stmts.tail.all(q.match, st.upto) as TextRow[]) if (!dirty.has(r.rowid)) exact.push(exactOf(r));
    if (dirty.size) {
      for (const r of this.stmts.texts.all(JSON.stringify([...dirty])) as TextRow[]) {
        const s = exactOf(r);
        if (s.matched) exact.push(s);
      }
    }
    const termBytes = stems.map((s) => Buffer.from(s, 'utf8'));
    const parts: Part[] = this.segments.list().map((s) => ({ s, lists: stems.map((t, i) => this.segments.termList(s, t, termBytes[i]!)), dls: null }));
    for (const p of parts) for (const l of p.lists) this.lastStats.postingsRead += l.rowids.length;
    const dead = new Set<number>();
    if (n > 1) {
      const all = this.conjunctive(parts, idfs, avgdl, dirty);
      const found = this.select(all, exact.filter((s) => s.matched === n), k, dead, true);
      if (found) return found;
    }
    this.lastStats.exhaustive = true;
    return this.select(this.exhaustive(parts, idfs, avgdl, dirty), exact, k, dead, false)!;
  }

  /** Memories (outside `dirty`) holding every word, scored. */
  private conjunctive(parts: Part[], idfs: number[], avgdl: number, dirty: Set<number>): Candidates {
    const out = new Candidates();
    const n = idfs.length;
    const pos = new Int32Array(n);
    for (const p of parts) {
      if (p.lists.some((l) => l.rowids.length === 0)) continue;
      const order = p.lists.map((_, i) => i).sort((a, b) => p.lists[a]!.rowids.length - p.lists[b]!.rowids.length);
      pos.fill(0);
      const lead = p.lists[order[0]!]!.rowids;
      const lo = p.s.lo;
      outer: for (let a = 0; a < lead.length; a++) {
        const r = lead[a]!;
        pos[order[0]!] = a;
        for (let j = 1; j < n; j++) {
          const i = order[j]!;
          const rs = p.lists[i]!.rowids;
          const at = gallop(rs, pos[i]!, r);
          pos[i] = at;
          if (at >= rs.length) break outer;
          if (rs[at] !== r) continue outer;
        }
        if (dirty.size && dirty.has(r)) continue;
        const dls = (p.dls ??= this.segments.lengths(p.s));
        const dl = dls[r - lo]!;
        let bm25 = 0;
        for (let i = 0; i < n; i++) bm25 += idfs[i]! * termWeight(p.lists[i]!.tfs[pos[i]!]!, dl, avgdl);
        out.push(r, n, bm25);
      }
    }
    this.lastStats.scored += out.n;
    return out;
  }

  /** Every memory (outside `dirty`) holding any word, scored: an n-way merge of each segment's lists. */
  private exhaustive(parts: Part[], idfs: number[], avgdl: number, dirty: Set<number>): Candidates {
    const out = new Candidates();
    const n = idfs.length;
    const pos = new Int32Array(n);
    for (const p of parts) {
      const lists = p.lists;
      if (lists.every((l) => l.rowids.length === 0)) continue;
      const dls = (p.dls ??= this.segments.lengths(p.s));
      const lo = p.s.lo;
      pos.fill(0);
      for (;;) {
        let r = 0x7fffffff;
        for (let i = 0; i < n; i++) {
          const rs = lists[i]!.rowids;
          if (pos[i]! < rs.length && rs[pos[i]!]! < r) r = rs[pos[i]!]!;
        }
        if (r === 0x7fffffff) break;
        const dl = dls[r - lo]!;
        let matched = 0;
        let bm25 = 0;
        for (let i = 0; i < n; i++) {
          const l = lists[i]!;
          const at = pos[i]!;
          if (at < l.rowids.length && l.rowids[at] === r) {
            matched++;
            bm25 += idfs[i]! * termWeight(l.tfs[at]!, dl, avgdl);
            pos[i] = at + 1;
          }
        }
        if (dirty.size && dirty.has(r)) continue;
        out.push(r, matched, bm25);
      }
    }
    this.lastStats.scored += out.n;
    return out;
  }

  /**
   * The k best of the candidates and the memories scored from text, in order, after checking that those taken from
   * postings still exist (a deleted memory's postings stay until its segment is merged). With `needK`, null when
   * fewer than k exist.
   */
  private select(c: Candidates, exact: Scored[], k: number, dead: Set<number>, needK: boolean): Scored[] | null {
    for (;;) {
      const heap = new Heap<Scored>((a, b) => compareScored(a, b) > 0);
      for (const e of exact) {
        if (heap.size < k) heap.push(e);
        else if (compareScored(e, heap.peek()!) < 0) heap.replaceTop(e);
      }
      let worst = heap.size === k ? heap.peek()! : null;
      const fromPostings = new Set<number>();
      for (let i = 0; i < c.n; i++) {
        const m = c.matched[i]!;
        const b = c.bm25[i]!;
        const r = c.rowids[i]!;
        if (worst && !(m > worst.matched || (m === worst.matched && (b > worst.bm25 || (b === worst.bm25 && r > worst.rowid))))) continue;
        if (dead.has(r)) continue;
        const s: Scored = { rowid: r, matched: m, bm25: b };
        if (heap.size < k) heap.push(s);
        else heap.replaceTop(s);
        fromPostings.add(r);
        if (heap.size === k) worst = heap.peek()!;
      }
      const top = heap.toArray().sort(compareScored);
      const check = top.filter((s) => fromPostings.has(s.rowid)).map((s) => s.rowid);
      const alive = new Set(check.length ? (this.stmts.alive.all(JSON.stringify(check)) as number[]) : []);
      const gone = check.filter((r) => !alive.has(r));
      if (gone.length) {
        for (const r of gone) dead.add(r);
        continue;
      }
      return needK && top.length < k ? null : top;
    }
  }
}
