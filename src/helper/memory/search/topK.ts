// Exact top-k for queries of plain words over rowid-ordered postings. The ranking is lexicographic (memories matching
// more words first), so the memories holding every word come first: they are found by intersecting the words' lists
// (galloping from the shortest) and ranked exactly; only when fewer than k of them exist is every memory holding any
// word scored (an n-way merge of the lists). Memories newer than the last segment, and edited ones, are scored from
// their text. Scores from postings are computed exactly as from text (same terms, same order), so ties are exact too.
import type { Database } from '../db';
import { docTerms } from './docTerms';
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
    // Memories holding every word first; if fewer than k exist, every memory holding any word.
    for (const every of n > 1 ? [true, false] : [false]) {
      this.lastStats.exhaustive = !every;
      const pool = every ? exact.filter((s) => s.matched === n) : exact;
      for (;;) {
        const top = new TopHeap(k);
        for (const e of pool) if (top.beats(e.matched, e.bm25, e.rowid)) top.offer(e);
        if (every) this.conjunctive(parts, idfs, avgdl, dirty, dead, top);
        else this.exhaustive(parts, idfs, avgdl, dirty, dead, top);
        // A deleted memory's postings stay until its segment is merged: the k found from postings must still exist.
        const fromText = new Set(pool);
        const fromPostings = top.items.filter((s) => !fromText.has(s)).map((s) => s.rowid);
        const alive = new Set(fromPostings.length ? (this.stmts.alive.all(JSON.stringify(fromPostings)) as number[]) : []);
        const gone = fromPostings.filter((r) => !alive.has(r));
        if (gone.length) {
          for (const r of gone) dead.add(r);
          continue;
        }
        if (top.items.length === k || !every) return top.sorted();
        break;
      }
    }
    return [];
  }

  /**
   * Offers every memory (outside `dirty` and `dead`) holding every word. Per segment, the shortest list gives the
   * candidates; each further list (shortest first) keeps those it holds: by marking the candidates in a dense array
   * over the segment's rowids and reading the list through (no unpredictable branches: ~1 ns a posting), or by
   * galloping when the list is far longer than the candidates left.
   */
  private conjunctive(parts: Part[], idfs: number[], avgdl: number, dirty: Set<number>, dead: Set<number>, top: TopHeap): void {
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
      const at = new Int32Array(n);
      for (let c = 0; c < m; c++) {
        const r = found[c]!;
        // Each word's place for this memory, back through the stages.
        let x = c;
        for (let j = n - 1; j >= 1; j--) {
          at[order[j]!] = place[j - 1]![x]!;
          x = parent[j - 1]![x]!;
        }
        at[order[0]!] = x;
        const dl = dls[r - lo]!;
        let bm25 = 0;
        for (let i = 0; i < n; i++) bm25 += idfs[i]! * termWeight(p.lists[i]!.tfs[at[i]!]!, dl, avgdl);
        if (top.beats(n, bm25, r) && !(dirty.size && dirty.has(r)) && !(dead.size && dead.has(r))) top.offer({ rowid: r, matched: n, bm25 });
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

  /** Offers every memory (outside `dirty` and `dead`) holding any word: an n-way merge of each segment's lists. */
  private exhaustive(parts: Part[], idfs: number[], avgdl: number, dirty: Set<number>, dead: Set<number>, top: TopHeap): void {
    const n = idfs.length;
    const pos = new Int32Array(n);
    for (const p of parts) {
      const lists = p.lists;
      if (lists.every((l) => l.rowids.length === 0)) continue;
      const dls = (p.dls ??= this.segments.lengths(p.s));
      const lo = p.s.lo;
      pos.fill(0);
      if (n === 1) {
        // One word: every posting is a memory, scored as it comes.
        const { rowids, tfs } = lists[0]!;
        const w = idfs[0]!;
        for (let at = 0; at < rowids.length; at++) {
          const r = rowids[at]!;
          const bm25 = w * termWeight(tfs[at]!, dls[r - lo]!, avgdl);
          if (top.beats(1, bm25, r) && !(dirty.size && dirty.has(r)) && !(dead.size && dead.has(r))) top.offer({ rowid: r, matched: 1, bm25 });
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
        if (top.beats(matched, bm25, r) && !(dirty.size && dirty.has(r)) && !(dead.size && dead.has(r))) top.offer({ rowid: r, matched, bm25 });
      }
    }
  }
}
