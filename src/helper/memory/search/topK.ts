// Exact top-k over rowid-ordered postings, for any clause lists (a term's list, a prefix's merged lists, a phrase's
// verified ones: clauseLists.ts). The ranking is lexicographic (memories matching more clauses first), so the
// memories matching every clause come first: they are found by intersecting the clauses' lists (galloping from the
// shortest) and ranked exactly; only when fewer than k of them exist is every memory matching any clause scored (an
// n-way merge of the lists). Stale postings (memories edited or deleted since their segment was written) are skipped;
// edited memories, and any newer than the last segment, are scored from their text. Scores from postings are
// computed exactly as from text (same counts, same order of summation), so ties are exact too.
import type { Database } from '../db';
import { analyseText, clauseCount, type AnalysedText } from './clauseText';
import type { PostingList } from './postings';
import type { Clause, ParsedQuery } from './query';
import { compareScored, idf, termWeight, type CorpusStats, type Scored } from './scoring';
import { SegmentStore, type SegmentInfo } from './segmentStore';

/** More clauses than this go to the full ranking. */
export const MAX_TOP_K_TERMS = 30;

export interface TopKStats {
  /** Postings in the lists read, over all clauses and segments (for benchmarks). */
  postingsRead: number;
  /** Memories scored from postings. */
  scored: number;
  /** Whether every memory matching any clause was scored (fewer than k match all of them). */
  exhaustive: boolean;
}

/** One segment's lists for a query's clauses (in clause order), and the rowids whose postings there are stale. */
export interface Part {
  s: SegmentInfo;
  lists: PostingList[];
  dls: Int32Array | null;
  /** Deleted or edited since the segment was written (null: none). */
  stale: Set<number> | null;
}

/** What a ranking reads of the index before the lists: totals, segments and stale rowids, memories to read as text. */
export interface IndexView {
  stats: CorpusStats;
  avgdl: number;
  segments: { s: SegmentInfo; stale: Set<number> | null }[];
  /** Edited memories and any after the last segment, analysed from their text. */
  fromText: { rowid: number; text: AnalysedText }[];
}

/**
 * The k best memories offered so far, in the store's order (matched, then bm25, then rowid, all descending): a binary
 * heap with the worst on top, whose key is also kept in fields so the scoring loops reject most memories inline.
 */
class TopHeap {
  readonly items: Scored[] = [];
  worstMatched = -1;
  worstBm25 = -Infinity;
  worstRowid = -1;

  constructor(readonly k: number) {}

  /** Whether (m, b, r) ranks before the current k-th (or there are fewer than k). */
  beats(m: number, b: number, r: number): boolean {
    return m > this.worstMatched || (m === this.worstMatched && (b > this.worstBm25 || (b === this.worstBm25 && r > this.worstRowid)));
  }

  offer(s: Scored): void {
    const a = this.items;
    if (a.length < this.k) {
      a.push(s);
      for (let i = a.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (compareScored(a[i]!, a[p]!) <= 0) break;
        [a[i], a[p]] = [a[p]!, a[i]!];
        i = p;
      }
    } else {
      a[0] = s;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        let m = i;
        if (l < a.length && compareScored(a[l]!, a[m]!) > 0) m = l;
        if (l + 1 < a.length && compareScored(a[l + 1]!, a[m]!) > 0) m = l + 1;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    if (a.length === this.k) {
      const w = a[0]!;
      this.worstMatched = w.matched;
      this.worstBm25 = w.bm25;
      this.worstRowid = w.rowid;
    }
  }

  sorted(): Scored[] {
    return this.items.slice().sort(compareScored);
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


/** The memory's score for the clauses (idfs in clause order), summed in clause order. */
export function scoreText(rowid: number, clauses: readonly Clause[], idfs: readonly number[], text: AnalysedText, avgdl: number): Scored {
  let matched = 0;
  let bm25 = 0;
  for (let i = 0; i < clauses.length; i++) {
    const f = clauseCount(clauses[i]!, text);
    if (f > 0) {
      matched++;
      bm25 += idfs[i]! * termWeight(f, text.dl, avgdl);
    }
  }
  return { rowid, matched, bm25 };
}

/** How many of the list's memories are stale (present in `stale`): a binary search for each. */
function staleIn(list: PostingList, stale: Set<number>): number {
  let n = 0;
  const a = list.rowids;
  for (const r of stale) {
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    if (lo < a.length && a[lo] === r) n++;
  }
  return n;
}

export class ExactTopK {
  private readonly stmts;
  readonly segments: SegmentStore;
  lastStats: TopKStats = { postingsRead: 0, scored: 0, exhaustive: false };
  private scratch = new Int32Array(0);
  private readonly stages: { found: Int32Array; place: Int32Array; parent: Int32Array }[] = [];

  constructor(db: Database) {
    this.segments = new SegmentStore(db);
    this.stmts = {
      stats: db.prepare('SELECT docs, tokens, segmented_upto AS upto, (SELECT coalesce(max(rowid), 0) FROM memories) AS last FROM search_stats WHERE id = 1'),
      df: db.prepare('SELECT df FROM search_terms WHERE term = ?').pluck(),
      dirty: db.prepare('SELECT m.rowid, m.content, m.tags FROM search_dirty d JOIN memories m ON m.rowid = d.rowid'),
      dirtyRowids: db.prepare('SELECT rowid FROM search_dirty').pluck(),
      // Memories after the last segment: none, as every write segments what it inserts; read from text should a
      // writer ever have left some (exact at any cost rather than missing).
      tail: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid > ?'),
    };
  }

  /** Whether a query is plain words that this path ranks (phrases and prefixes go to the full ranking). */
  static handles(q: ParsedQuery): boolean {
    return q.clauses.length <= MAX_TOP_K_TERMS && q.clauses.every((c) => c.kind === 'term');
  }

  /** The index as a ranking reads it: null when the store is empty. */
  view(): IndexView | null {
    const st = this.stmts.stats.get() as CorpusStats & { upto: number; last: number };
    if (!st.docs) return null;
    const dirty = this.stmts.dirtyRowids.all() as number[];
    const segments = this.segments.list().map((s) => {
      const deleted = this.segments.deleted(s);
      const mine = dirty.filter((r) => r >= s.lo && r <= s.hi);
      const stale = mine.length ? new Set([...deleted, ...mine]) : deleted.size ? deleted : null;
      return { s, stale };
    });
    const fromText: IndexView['fromText'] = [];
    const read = (rows: { rowid: number; content: string; tags: string }[]) => {
      for (const r of rows) fromText.push({ rowid: r.rowid, text: analyseText(r.content, r.tags) });
    };
    if (dirty.length) read(this.stmts.dirty.all() as never);
    if (st.last > st.upto) read(this.stmts.tail.all(st.upto) as never);
    return { stats: st, avgdl: st.tokens / st.docs, segments, fromText };
  }

  /** The stored document frequency of a term (kept exact by the indexer and schema v10's triggers). */
  termDf(stem: string): number {
    return (this.stmts.df.get(stem) as number | undefined) ?? 0;
  }

  /** Memories holding clause i in the parts' lists, stale postings left out (the memories read from text aside). */
  listDf(parts: Part[], i: number): number {
    let df = 0;
    for (const p of parts) {
      const l = p.lists[i]!;
      df += l.rowids.length - (p.stale ? staleIn(l, p.stale) : 0);
    }
    return df;
  }

  /** The k best memories for the query's words, in the store's exact order. */
  top(q: ParsedQuery, k: number): Scored[] {
    this.lastStats = { postingsRead: 0, scored: 0, exhaustive: false };
    const view = this.view();
    if (!view || k <= 0) return [];
    const stems = q.clauses.map((c) => c.stems[0]!);
    const idfs = stems.map((s) => idf(view.stats, this.termDf(s)));
    const termBytes = stems.map((s) => Buffer.from(s, 'utf8'));
    const parts: Part[] = view.segments.map(({ s, stale }) => ({ s, stale, dls: null, lists: stems.map((t, i) => this.segments.termList(s, t, termBytes[i]!)) }));
    const pool = view.fromText.map((m) => scoreText(m.rowid, q.clauses, idfs, m.text, view.avgdl)).filter((x) => x.matched);
    return this.rank(parts, idfs, view.avgdl, pool, k);
  }

  /** The k best of the memories in `pool` (scored from text) and in the parts' lists, in the store's exact order. */
  rank(parts: Part[], idfs: number[], avgdl: number, pool: Scored[], k: number): Scored[] {
    const n = idfs.length;
    for (const p of parts) for (const l of p.lists) this.lastStats.postingsRead += l.rowids.length;
    // Memories matching every clause first; if fewer than k exist, every memory matching any clause.
    if (n > 1) {
      const top = new TopHeap(k);
      for (const e of pool) if (e.matched === n && top.beats(e.matched, e.bm25, e.rowid)) top.offer(e);
      this.conjunctive(parts, idfs, avgdl, top);
      if (top.items.length === k) return top.sorted();
    }
    this.lastStats.exhaustive = true;
    const top = new TopHeap(k);
    for (const e of pool) if (top.beats(e.matched, e.bm25, e.rowid)) top.offer(e);
    this.exhaustive(parts, idfs, avgdl, top);
    return top.sorted();
  }

  /**
   * Offers every memory (outside the stale ones) holding every clause. Per segment, the shortest list gives the
   * candidates; each further list (shortest first) keeps those it holds: by marking the candidates in a dense array
   * over the segment's rowids and reading the list through (no unpredictable branches: ~1 ns a posting), or by
   * galloping when the list is far longer than the candidates left.
   */
  private conjunctive(parts: Part[], idfs: number[], avgdl: number, top: TopHeap): void {
    const n = idfs.length;
    for (const p of parts) {
      if (p.lists.some((l) => l.rowids.length === 0)) continue;
      const order = p.lists.map((_, i) => i).sort((a, b) => p.lists[a]!.rowids.length - p.lists[b]!.rowids.length);
      const lo = p.s.lo;
      // Stage j keeps, for each memory left, its rowid, its place in list order[j], and its index in stage j - 1.
      let found = p.lists[order[0]!]!.rowids;
      let m = found.length;
      const place: Int32Array[] = [];
      const parent: Int32Array[] = [];
      for (let j = 1; j < n && m; j++) {
        const rs = p.lists[order[j]!]!.rowids;
        const { found: nextFound, place: nextPlace, parent: nextParent } = this.stage(j, Math.min(m, rs.length));
        let kept = 0;
        if (rs.length > 16 * m) {
          for (let c = 0, pos = 0; c < m; c++) {
            const r = found[c]!;
            pos = gallop(rs, pos, r);
            if (pos >= rs.length) break;
            if (rs[pos] !== r) continue;
            nextFound[kept] = r;
            nextPlace[kept] = pos;
            nextParent[kept++] = c;
          }
        } else {
          const mark = this.marks(p.s.hi - lo + 1);
          for (let c = 0; c < m; c++) mark[found[c]! - lo] = c + 1;
          for (let pos = 0; pos < rs.length; pos++) {
            const c = mark[rs[pos]! - lo]!;
            if (c === 0) continue;
            nextFound[kept] = rs[pos]!;
            nextPlace[kept] = pos;
            nextParent[kept++] = c - 1;
          }
          for (let c = 0; c < m; c++) mark[found[c]! - lo] = 0;
        }
        found = nextFound;
        place.push(nextPlace);
        parent.push(nextParent);
        m = kept;
      }
      this.lastStats.scored += m;
      if (!m) continue;
      const dls = (p.dls ??= this.segments.lengths(p.s));
      const stale = p.stale;
      const at = new Int32Array(n);
      for (let c = 0; c < m; c++) {
        const r = found[c]!;
        // Each clause's place for this memory, back through the stages.
        let x = c;
        for (let j = n - 1; j >= 1; j--) {
          at[order[j]!] = place[j - 1]![x]!;
          x = parent[j - 1]![x]!;
        }
        at[order[0]!] = x;
        const dl = dls[r - lo]!;
        let bm25 = 0;
        for (let i = 0; i < n; i++) bm25 += idfs[i]! * termWeight(p.lists[i]!.tfs[at[i]!]!, dl, avgdl);
        if (top.beats(n, bm25, r) && !(stale && stale.has(r))) top.offer({ rowid: r, matched: n, bm25 });
      }
    }
  }

  /** Stage j's arrays, at least `size` long: kept between segments and searches (no megabytes of garbage a query). */
  private stage(j: number, size: number): { found: Int32Array; place: Int32Array; parent: Int32Array } {
    let st = this.stages[j];
    if (!st || st.found.length < size) {
      const n = Math.max(size, 1024);
      this.stages[j] = st = { found: new Int32Array(n), place: new Int32Array(n), parent: new Int32Array(n) };
    }
    return st;
  }

  /** A zeroed scratch array over a segment's rowids (kept between searches, as large as the largest segment). */
  private marks(size: number): Int32Array {
    if (this.scratch.length < size) this.scratch = new Int32Array(size);
    return this.scratch;
  }

  /** Offers every memory (outside the stale ones) matching any clause: an n-way merge of each segment's lists. */
  private exhaustive(parts: Part[], idfs: number[], avgdl: number, top: TopHeap): void {
    const n = idfs.length;
    const pos = new Int32Array(n);
    for (const p of parts) {
      const lists = p.lists;
      if (lists.every((l) => l.rowids.length === 0)) continue;
      const dls = (p.dls ??= this.segments.lengths(p.s));
      const lo = p.s.lo;
      const stale = p.stale;
      pos.fill(0);
      if (n === 1) {
        // One clause: every posting is a memory, scored as it comes.
        const { rowids, tfs } = lists[0]!;
        const w = idfs[0]!;
        for (let at = 0; at < rowids.length; at++) {
          const r = rowids[at]!;
          const bm25 = w * termWeight(tfs[at]!, dls[r - lo]!, avgdl);
          if (top.beats(1, bm25, r) && !(stale && stale.has(r))) top.offer({ rowid: r, matched: 1, bm25 });
        }
        this.lastStats.scored += rowids.length;
        continue;
      }
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
        this.lastStats.scored++;
        if (top.beats(matched, bm25, r) && !(stale && stale.has(r))) top.offer({ rowid: r, matched, bm25 });
      }
    }
  }
}
