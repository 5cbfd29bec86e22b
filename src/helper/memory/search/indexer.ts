// Indexes new memories for search, in the inserting transaction: each memory analysed once (batchAnalysis.ts) into
// its stems' document frequencies, the corpus totals, and its postings in a new segment (segmentStore.ts) — one per
// call, a single save's included — which the merge policy (segmentMerge.ts) folds into its neighbours. An import
// batch's texts are analysed on a worker thread (analysisThread.ts) while its rows are inserted: the two take about
// as long, and a machine has more than one core.
import type { Database } from '../db';
import { AnalysisThread } from './analysisThread';
import { BatchAnalyser, type AnalysedBatch } from './batchAnalysis';
import { mergeSegments } from './segmentMerge';
import { SegmentStore, type TermPostings } from './segmentStore';

/** A stem that is its own JSON string body (no quote, backslash or control character to escape). */
const JSON_SAFE = /^[^"\\\u0000-\u001f]*$/;
/** Batches this large are analysed on the worker (a smaller one is done inline before the worker would reply). */
export const WORKER_MIN_MEMORIES = 1000;

export interface MemoryText {
  content: string;
  tags: string;
}

interface TextRow extends MemoryText {
  rowid: number;
}

export interface IndexOptions {
  /** Count frequencies and totals (false when rebuilding segments over counted memories). */
  stats?: boolean;
  /** Build segments (false in migration v10, which predates them). */
  segments?: boolean;
}

/** Texts handed to `prepare`, and the worker's ticket for them when they went to the worker. */
export interface PendingAnalysis {
  texts: string[];
  ticket: number | null;
}

export class SearchIndexer {
  private readonly stmts;
  private segmentStore: SegmentStore | null = null;
  private readonly inline = new BatchAnalyser();
  private readonly thread = new AnalysisThread();

  constructor(private readonly db: Database) {
    this.stmts = {
      rowsFrom: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid >= ? AND rowid <= ? ORDER BY rowid'),
      // One statement per batch: the batch's frequencies as a JSON object {term: count}.
      df: db.prepare('INSERT INTO search_terms(term, df) SELECT key, value FROM json_each(?) WHERE true ON CONFLICT(term) DO UPDATE SET df = df + excluded.df'),
      addTotals: db.prepare('UPDATE search_stats SET docs = docs + ?, tokens = tokens + ? WHERE id = 1'),
      upto: db.prepare('SELECT segmented_upto FROM search_stats WHERE id = 1').pluck(),
      segmented: db.prepare('UPDATE search_stats SET segmented_upto = ? WHERE id = 1'),
      dirty: db.prepare('INSERT OR IGNORE INTO search_dirty(rowid) VALUES (?)'),
    };
  }

  /** Made when first needed: migration v10 indexes before v11 creates the segment tables. */
  get segments(): SegmentStore {
    return (this.segmentStore ??= new SegmentStore(this.db));
  }

  /** Starts analysing memories about to be inserted: a large batch goes to the worker while the caller inserts. */
  prepare(memories: readonly MemoryText[]): PendingAnalysis {
    const texts = new Array<string>(2 * memories.length);
    for (let i = 0; i < memories.length; i++) {
      texts[2 * i] = memories[i]!.content;
      texts[2 * i + 1] = memories[i]!.tags;
    }
    return { texts, ticket: memories.length >= WORKER_MIN_MEMORIES ? this.thread.post(texts) : null };
  }

  /** Indexes prepared memories once inserted: rowids[i] is memory i's rowid, 0 for one not inserted (a duplicate). */
  indexInserted(pending: PendingAnalysis, rowids: ArrayLike<number>, options: IndexOptions = {}): void {
    const batch = (pending.ticket !== null ? this.thread.take(pending.ticket) : null) ?? this.inline.analyse(pending.texts);
    this.write(batch, rowids, options);
  }

  /** Indexes the memories in rows firstRowid..lastRowid (migrations). */
  indexRange(firstRowid: number, lastRowid: number, options: IndexOptions = {}): void {
    this.indexRows(this.stmts.rowsFrom.all(firstRowid, lastRowid) as TextRow[], options);
  }

  /** Stops the analysis worker (the store closes). */
  dispose(): void {
    this.thread.dispose();
  }

  private indexRows(rows: TextRow[], options: IndexOptions): void {
    if (rows.length) this.indexInserted(this.prepare(rows), Int32Array.from(rows, (r) => r.rowid), options);
  }

  /**
   * Writes an analysed batch: frequencies and totals of the memories inserted, and a segment of their postings over
   * every rowid after the last segment. Rowids ascend with the memories' order (they are SQLite's next rowids).
   */
  private write(batch: AnalysedBatch, rowids: ArrayLike<number>, options: IndexOptions): void {
    const stats = options.stats ?? true;
    let first = 0;
    let last = 0;
    let inserted = 0;
    let tokens = 0;
    for (let d = 0; d < rowids.length; d++) {
      const r = rowids[d]!;
      if (!r) continue;
      if (!first) first = r;
      last = r;
      inserted++;
      tokens += batch.lengths[d]!;
    }
    if (!inserted) return;
    let upto = this.stmts.upto.get() as number;
    const segment = (options.segments ?? true) && last > upto;
    if (segment && first > upto + 1) {
      // Memories after the last segment and before this batch (indexed without segments: migration v10) get a
      // segment of their own first: postings only, their frequencies are counted.
      this.indexRows(this.stmts.rowsFrom.all(upto + 1, first - 1) as TextRow[], { stats: false });
      upto = this.stmts.upto.get() as number;
    }
    for (let d = 0; d < rowids.length; d++) {
      // SQLite reuses the rowid of a deleted newest row: one inside a segment's range is scored from its text, and the
      // postings the segment holds for that rowid (the deleted memory's) are ignored.
      if (rowids[d]! && rowids[d]! <= upto) this.stmts.dirty.run(rowids[d]);
    }
    // Each stem's postings with rowids in place of memory indexes, those not inserted or inside a segment left out.
    const { terms, start, docs, tfs, positions } = batch;
    const postRowids = new Int32Array(docs.length);
    const postTfs = new Int32Array(docs.length);
    const postPositions = new Int32Array(positions.length);
    const kept = new Int32Array(terms.length + 1);
    const keptPositions = new Int32Array(terms.length + 1);
    const df = stats ? new Int32Array(terms.length) : null;
    let j = 0;
    let jp = 0;
    // q: where posting p's positions start in the batch's.
    for (let k = 0, q = 0; k < terms.length; k++) {
      let prev = 0;
      for (let p = start[k]!; p < start[k + 1]!; q += tfs[p++]!) {
        const r = rowids[docs[p]!]!;
        if (!r) continue;
        if (df) df[k]!++;
        if (r <= upto) continue;
        if (r <= prev) throw new Error('indexer: rowids must ascend with the memories');
        prev = r;
        postRowids[j] = r;
        postTfs[j++] = tfs[p]!;
        for (let x = q, end = q + tfs[p]!; x < end; x++) postPositions[jp++] = positions[x]!;
      }
      kept[k + 1] = j;
      keptPositions[k + 1] = jp;
    }
    if (df) {
      // Written out by hand: an object of tens of thousands of keys (numbers among them) is slow to build and stringify.
      const parts: string[] = [];
      for (let k = 0; k < terms.length; k++) {
        const s = terms[k]!;
        if (df[k]) parts.push(`${JSON_SAFE.test(s) ? `"${s}"` : JSON.stringify(s)}:${df[k]}`);
      }
      this.stmts.df.run(`{${parts.join(',')}}`);
      this.stmts.addTotals.run(inserted, tokens);
    }
    if (!segment) return;
    const lo = upto + 1;
    const lengths = new Int32Array(last - lo + 1);
    let segmentDocs = 0;
    for (let d = 0; d < rowids.length; d++) {
      const r = rowids[d]!;
      if (r > upto) {
        lengths[r - lo] = batch.lengths[d]!;
        segmentDocs++;
      }
    }
    const lists: TermPostings[] = [];
    for (let k = 0; k < terms.length; k++) {
      if (kept[k + 1] === kept[k]) continue;
      lists.push({
        term: terms[k]!,
        rowids: postRowids.subarray(kept[k]!, kept[k + 1]!),
        tfs: postTfs.subarray(kept[k]!, kept[k + 1]!),
        positions: postPositions.subarray(keptPositions[k]!, keptPositions[k + 1]!),
      });
    }
    this.segments.write(lo, last, lists, lengths, segmentDocs, true);
    this.stmts.segmented.run(last);
    mergeSegments(this.db, this.segments);
  }
}
