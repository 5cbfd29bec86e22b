// A clause's postings in one segment, for any kind of clause: a term's list as stored; a prefix's lists merged (every
// term under the prefix, their frequencies summed per memory); a phrase's candidates (memories holding every stem of
// it, by intersecting their lists) verified and counted from the memories' text with the store's one analysis. The
// derived lists are cached with the segment's data: a segment never changes, and the memories its postings describe
// are either unchanged since it was written or stale (edited or deleted: skipped by whoever reads the list).
import type { Database } from '../db';
import { PhraseCounter, prefixStem } from './clauseText';
import { EMPTY_LIST, type PostingList } from './postings';
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
    const lists = [...new Set(stems)].map((t) => this.segments.termList(s, t, Buffer.from(t, 'utf8')));
    lists.sort((a, b) => a.rowids.length - b.rowids.length);
    let candidates = lists[0]!;
    for (let i = 1; i < lists.length && candidates.rowids.length; i++) candidates = intersect(candidates, lists[i]!);
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
