// A clause's postings in one segment, for any kind of clause: a term's list as stored; a prefix's lists merged (every
// term under the prefix, their frequencies summed per memory); a phrase's candidates (memories holding every stem of
// it, by intersecting their lists) verified and counted from the memories' text with the store's one analysis. The
// derived lists are cached with the segment's data: a segment never changes, and the memories its postings describe
// are either unchanged since it was written or stale (edited or deleted: skipped by whoever reads the list).
import type { Database } from '../db';
import { PhraseCounter, prefixStem } from './clauseText';
import { EMPTY_LIST, type ListPositions, type PostingList } from './postings';
import type { Clause } from './query';
import type { SegmentInfo, SegmentStore } from './segmentStore';

/** Candidates' texts read per statement while verifying a phrase. */
const TEXTS_PER_READ = 2000;

const listBytes = (l: PostingList) => l.rowids.byteLength + l.tfs.byteLength + 64;

/** Memories of `a` that are also in `b` (both ascending), with a's frequencies. */
function intersect(a: PostingList, b: PostingList): PostingList {
  const rowids = new Int32Array(Math.min(a.rowids.length, b.rowids.length));
  const tfs = new Int32Array(rowids.length);
  let n = 0;
  for (let i = 0, j = 0; i < a.rowids.length && j < b.rowids.length; ) {
    const x = a.rowids[i]!;
    const y = b.rowids[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else {
      rowids[n] = x;
      tfs[n++] = a.tfs[i]!;
      i++;
      j++;
    }
  }
  return { rowids: rowids.subarray(0, n), tfs: tfs.subarray(0, n) };
}

/**
 * A phrase's runs in each candidate from its stems' positions (a segment of schema v14): runs of consecutive positions
 * holding stems[0], stems[1], … (overlapping runs each count, as from text; the tags' positions start past a gap, so
 * no run spans body and tags). `stem[j]` is phrase word j's index in `lists` and `positions` (a stem may repeat).
 */
function phraseFromPositions(stem: number[], lists: PostingList[], positions: ListPositions[], candidates: PostingList): PostingList {
  const m = stem.length;
  const cursor = new Int32Array(lists.length);
  const rowids = new Int32Array(candidates.rowids.length);
  const tfs = new Int32Array(candidates.rowids.length);
  let n = 0;
  // Where word j's positions are for the current candidate.
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  for (let c = 0; c < candidates.rowids.length; c++) {
    const r = candidates.rowids[c]!;
    for (let u = 0; u < lists.length; u++) {
      const rs = lists[u]!.rowids;
      let i = cursor[u]!;
      while (rs[i]! < r) i++;
      cursor[u] = i;
    }
    for (let j = 0; j < m; j++) {
      const p = positions[stem[j]!]!;
      from[j] = p.start[cursor[stem[j]!]!]!;
      to[j] = p.start[cursor[stem[j]!]! + 1]!;
    }
    let runs = 0;
    const first = positions[stem[0]!]!.at;
    for (let q = from[0]!; q < to[0]!; q++) {
      const p0 = first[q]!;
      let j = 1;
      for (; j < m; j++) {
        const at = positions[stem[j]!]!.at;
        // Positions ascend: skip those before p0 + j (kept for the next start, which is larger).
        let x = from[j]!;
        while (x < to[j]! && at[x]! < p0 + j) x++;
        from[j] = x;
        if (x === to[j] || at[x] !== p0 + j) break;
      }
      if (j === m) runs++;
    }
    if (runs) {
      rowids[n] = r;
      tfs[n++] = runs;
    }
  }
  return { rowids: rowids.subarray(0, n), tfs: tfs.subarray(0, n) };
}

export class ClauseLists {
  private readonly texts;
  private readonly phrases = new PhraseCounter();

  constructor(
    db: Database,
    private readonly segments: SegmentStore,
  ) {
    this.texts = db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid');
  }

  /** The clause's postings in the segment (rowids ascending, with the clause's frequency in each). */
  list(s: SegmentInfo, c: Clause): PostingList {
    if (c.kind === 'term') return this.segments.termList(s, c.stems[0]!, Buffer.from(c.stems[0]!, 'utf8'));
    if (c.kind === 'prefix') {
      const p = prefixStem(c);
      return this.segments.memo(`P${s.seg}:${s.salt}:${p}`, () => this.union(s, this.segments.prefixLists(s, p)), listBytes);
    }
    return this.segments.memo(`F${s.seg}:${s.salt}:${c.stems.join(' ')}`, () => this.phrase(s, c.stems), listBytes);
  }

  /** Every memory in any of the lists, with its frequencies summed (a dense count over the segment's rowids). */
  private union(s: SegmentInfo, lists: PostingList[]): PostingList {
    if (!lists.length) return EMPTY_LIST;
    if (lists.length === 1) return lists[0]!;
    const counts = new Int32Array(s.hi - s.lo + 1);
    let distinct = 0;
    for (const l of lists) {
      for (let i = 0; i < l.rowids.length; i++) {
        const at = l.rowids[i]! - s.lo;
        if (counts[at] === 0) distinct++;
        counts[at] += l.tfs[i]!;
      }
    }
    const rowids = new Int32Array(distinct);
    const tfs = new Int32Array(distinct);
    for (let at = 0, n = 0; n < distinct; at++) {
      if (counts[at] === 0) continue;
      rowids[n] = at + s.lo;
      tfs[n++] = counts[at]!;
    }
    return { rowids, tfs };
  }

  /** Memories where the stems occur consecutively in one column, with the number of runs. */
  private phrase(s: SegmentInfo, stems: string[]): PostingList {
    const unique = [...new Set(stems)];
    const lists = unique.map((t) => this.segments.termList(s, t, Buffer.from(t, 'utf8')));
    const bySize = lists.slice().sort((a, b) => a.rowids.length - b.rowids.length);
    let candidates = bySize[0]!;
    for (let i = 1; i < bySize.length && candidates.rowids.length; i++) candidates = intersect(candidates, bySize[i]!);
    if (s.positions) return phraseFromPositions(stems.map((t) => unique.indexOf(t)), lists, unique.map((t) => this.segments.termPositions(s, t, Buffer.from(t, 'utf8'))), candidates);
    const rowids: number[] = [];
    const tfs: number[] = [];
    for (let from = 0; from < candidates.rowids.length; from += TEXTS_PER_READ) {
      const ids = Array.from(candidates.rowids.subarray(from, from + TEXTS_PER_READ));
      // A deleted candidate has no text: it is not counted (its postings are stale anyway).
      for (const r of this.texts.all(JSON.stringify(ids)) as { rowid: number; content: string; tags: string }[]) {
        const runs = this.phrases.count(stems, r.content, r.tags);
        if (runs) {
          rowids.push(r.rowid);
          tfs.push(runs);
        }
      }
    }
    return { rowids: Int32Array.from(rowids), tfs: Int32Array.from(tfs) };
  }
}
