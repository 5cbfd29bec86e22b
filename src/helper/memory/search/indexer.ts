// Indexes new memories for search, in the inserting transaction, analysing each once: its analysed text into FTS5
// (matching, phrases, prefixes), its stems into the document frequencies and corpus totals, and its postings into a
// new segment (segmentStore.ts) — one per call, a single save's included — which the merge policy (segmentMerge.ts)
// folds into its neighbours. (A tail of unsegmented memories found through FTS5 cost 4.5 ms a query at 100k: FTS5
// reads an OR of common words' doclists whole even under a rowid bound.)
import type { Database } from '../db';
import { analyze } from './analysis';
import { cachedStem } from './docTerms';
import { sortTerms } from './postings';
import { mergeSegments } from './segmentMerge';
import { SegmentStore } from './segmentStore';

/** Tokens whose stem slot is remembered between calls (vocabularies are Zipfian); emptied between calls past this. */
const TOKEN_CACHE_MAX = 200_000;

/** What a slot holds between calls (never pushed to: a call gives a slot fresh arrays when it first touches it). */
const NO_POSTINGS: number[] = [];

interface NewRow {
  rowid: number;
  content: string;
  tags: string;
}

/** One stem's counts while a call indexes: its frequency in the memory being read, its df, its postings. */
interface Slot {
  stem: string;
  /** The memory (a sequence number, not a rowid: rowids can be reused) whose occurrences `tf` counts. */
  doc: number;
  tf: number;
  /** The call that last touched it (counts below belong to that call). */
  call: number;
  df: number;
  rowids: number[];
  tfs: number[];
}

export interface IndexOptions {
  /** Index the text in FTS5 (migrations index memories FTS5 already holds: false). */
  fts?: boolean;
  /** Count frequencies and totals (false when rebuilding segments over counted memories). */
  stats?: boolean;
  /** Build segments (false in migration v10, which predates them). */
  segments?: boolean;
}

export class SearchIndexer {
  private readonly stmts;
  private segmentStore: SegmentStore | null = null;
  private tokenSlots = new Map<string, Slot>();
  private stemSlots = new Map<string, Slot>();
  private docSeq = 0;
  private call = 0;
  private touched: Slot[] = [];

  constructor(private readonly db: Database) {
    this.stmts = {
      rowsFrom: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid >= ? AND rowid <= ? ORDER BY rowid'),
      maxRowid: db.prepare('SELECT coalesce(max(rowid), 0) FROM memories').pluck(),
      fts: db.prepare('INSERT INTO memories_fts(rowid, body, tags) VALUES (?, ?, ?)'),
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

  /** Indexes the memories with rowid ≥ firstRowid (all new, in the current transaction). */
  indexFrom(firstRowid: number): void {
    this.indexRange(firstRowid, this.stmts.maxRowid.get() as number);
  }

  /** Indexes rows firstRowid..lastRowid into a segment over every memory after the last one. */
  indexRange(firstRowid: number, lastRowid: number, options: IndexOptions = {}): void {
    const fts = options.fts ?? true;
    const stats = options.stats ?? true;
    const rows = this.stmts.rowsFrom.all(firstRowid, lastRowid) as NewRow[];
    if (!rows.length) return;
    this.beginCall();
    const upto = this.stmts.upto.get() as number;
    const segment = (options.segments ?? true) && lastRowid > upto;
    const lo = upto + 1;
    const lengths = segment ? new Int32Array(lastRowid - lo + 1) : null;
    if (segment) {
      // Memories after the last segment and before this call (indexed without segments: migration v10): postings only.
      for (const r of this.stmts.rowsFrom.all(lo, firstRowid - 1) as NewRow[]) this.analyse(r, false, true, lengths!, lo);
    }
    let tokens = 0;
    // Every memory analysed first, then all of them handed to FTS5: each phase keeps its own working set in cache.
    const texts: string[] = [];
    for (const r of rows) {
      // SQLite reuses the rowid of a deleted newest row: one inside a segment's range is scored from its text, and the
      // postings the segment holds for that rowid (the deleted memory's) are ignored.
      const inSegment = r.rowid <= upto;
      if (inSegment) this.stmts.dirty.run(r.rowid);
      const [body, tags, dl] = this.analyse(r, stats, segment && !inSegment, lengths, lo);
      if (fts) texts.push(body, tags);
      tokens += dl;
    }
    if (fts) for (let i = 0; i < rows.length; i++) this.stmts.fts.run(rows[i]!.rowid, texts[2 * i], texts[2 * i + 1]);
    if (stats) {
      const df: Record<string, number> = {};
      for (const s of this.touched) if (s.df) df[s.stem] = s.df;
      this.stmts.df.run(JSON.stringify(df));
      this.stmts.addTotals.run(rows.length, tokens);
    }
    if (segment) {
      const terms = sortTerms(
        this.touched.filter((s) => s.rowids.length),
        (s) => s.stem,
      ).map((s) => ({ term: s.stem, rowids: s.rowids, tfs: s.tfs }));
      this.segments.write(lo, lastRowid, terms, lengths!);
      this.stmts.segmented.run(lastRowid);
      mergeSegments(this.db, this.segments);
    }
    // The postings are written: the slots stay cached for their stems, not for their lists.
    for (const s of this.touched) s.rowids = s.tfs = NO_POSTINGS;
    this.touched = [];
  }

  private beginCall(): void {
    this.call++;
    this.touched = [];
    if (this.tokenSlots.size > TOKEN_CACHE_MAX) {
      this.tokenSlots.clear();
      this.stemSlots.clear();
    }
  }

  /** Counts one memory's stems; returns its analysed body and tags (for FTS5) and its length in tokens. */
  private analyse(r: NewRow, countDf: boolean, postings: boolean, lengths: Int32Array | null, lo: number): [string, string, number] {
    const doc = ++this.docSeq;
    const body = analyze(r.content);
    const tags = r.tags ? analyze(r.tags) : [];
    const distinct: Slot[] = [];
    for (const list of [body, tags]) {
      for (const tok of list) {
        let s = this.tokenSlots.get(tok);
        if (s === undefined) {
          const stem = cachedStem(tok);
          s = this.stemSlots.get(stem);
          if (s === undefined) this.stemSlots.set(stem, (s = { stem, doc: 0, tf: 0, call: 0, df: 0, rowids: [], tfs: [] }));
          this.tokenSlots.set(tok, s);
        }
        if (s.doc !== doc) {
          s.doc = doc;
          s.tf = 1;
          distinct.push(s);
        } else s.tf++;
      }
    }
    for (const s of distinct) {
      if (s.call !== this.call) {
        s.call = this.call;
        s.df = 0;
        s.rowids = [];
        s.tfs = [];
        this.touched.push(s);
      }
      if (countDf) s.df++;
      if (postings) {
        s.rowids.push(r.rowid);
        s.tfs.push(s.tf);
      }
    }
    const dl = body.length + tags.length;
    if (postings) lengths![r.rowid - lo] = dl;
    return [body.join(' '), tags.join(' '), dl];
  }
}
