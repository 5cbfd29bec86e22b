// Indexes new memories for search, in the inserting transaction, analysing each once: its analysed text into FTS5
// (matching, phrases, prefixes), its stems into the document frequencies and corpus totals, and its postings into a
// new segment (segmentStore.ts) — one per call, a single save's included — which the merge policy (segmentMerge.ts)
// folds into its neighbours. (A tail of unsegmented memories found through FTS5 cost 4.5 ms a query at 100k: FTS5
// reads an OR of common words' doclists whole even under a rowid bound.)
import type { Database } from '../db';
import { scanTokens, type TokenSink } from './analysis';
import { cachedStem } from './docTerms';
import { sortTerms } from './postings';
import { mergeSegments } from './segmentMerge';
import { SegmentStore, type TermPostings } from './segmentStore';
import { TokenTable, hashRange, hashString } from './tokenTable';

/** A stem that is its own JSON string body (no quote, backslash or control character to escape). */
const JSON_SAFE = /^[^"\\\u0000-\u001f]*$/;
/** Stems whose slot is remembered between calls; past this the slots are let go (between calls). */
const STEM_SLOTS_MAX = 100_000;

/** A call's postings as (slot index, rowid, tf) triples in one typed array: no array per term, little garbage. */
class PostingTriples {
  data = new Int32Array(3 * 4096);
  n = 0;

  push(slot: number, rowid: number, tf: number): void {
    if (3 * this.n + 3 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const i = 3 * this.n++;
    this.data[i] = slot;
    this.data[i + 1] = rowid;
    this.data[i + 2] = tf;
  }
}

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
  /** Its index in the call's touched slots, and its postings in the call. */
  idx: number;
  postings: number;
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
  /** Token → its stem's slot, and stem → slot: remembered between calls (vocabularies are Zipfian), bounded. */
  private readonly tokens = new TokenTable<Slot>();
  private readonly stemSlots = new Map<string, Slot>();
  private docSeq = 0;
  /** The memory being analysed (a sequence number, not a rowid: rowids can be reused), its stems and tokens. */
  private doc = 0;
  private readonly distinct: Slot[] = [];
  private docTokens = 0;
  /** The current text's tokens as (start, end) ranges (start -1 - s for a capitalised word) or (string index, -1). */
  private readonly kept: number[] = [];
  private readonly keptStrings: string[] = [];
  private call = 0;
  private touched: Slot[] = [];
  private triples = new PostingTriples();

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
      // Written out by hand: an object of tens of thousands of keys (numbers among them) is slow to build and stringify.
      const parts: string[] = [];
      for (const s of this.touched) if (s.df) parts.push(`${JSON_SAFE.test(s.stem) ? `"${s.stem}"` : JSON.stringify(s.stem)}:${s.df}`);
      this.stmts.df.run(`{${parts.join(',')}}`);
      this.stmts.addTotals.run(rows.length, tokens);
    }
    if (segment) {
      let docs = 0;
      for (let i = 0; i < lengths!.length; i++) if (lengths![i]) docs++;
      this.segments.write(lo, lastRowid, this.termLists(), lengths!, docs);
      this.stmts.segmented.run(lastRowid);
      mergeSegments(this.db, this.segments);
    }
    this.triples = new PostingTriples();
    this.touched = [];
  }

  /** The call's postings grouped by term (a counting sort keeps each term's rowids ascending), terms in order. */
  private termLists(): TermPostings[] {
    const m = this.touched.length;
    const start = new Int32Array(m + 1);
    for (let i = 0; i < m; i++) start[i + 1] = start[i]! + this.touched[i]!.postings;
    const at = start.slice(0, m);
    const rowids = new Int32Array(start[m]!);
    const tfs = new Int32Array(start[m]!);
    const d = this.triples.data;
    for (let i = 0; i < 3 * this.triples.n; i += 3) {
      const j = at[d[i]!]!++;
      rowids[j] = d[i + 1]!;
      tfs[j] = d[i + 2]!;
    }
    const terms = sortTerms(
      this.touched.filter((s) => s.postings),
      (s) => s.stem,
    );
    return terms.map((s) => ({ term: s.stem, rowids: rowids.subarray(start[s.idx]!, start[s.idx + 1]!), tfs: tfs.subarray(start[s.idx]!, start[s.idx + 1]!) }));
  }

  private beginCall(): void {
    this.call++;
    this.touched = [];
    if (this.stemSlots.size > STEM_SLOTS_MAX) {
      // Between calls only: within one, a stem must keep one slot (its postings).
      this.tokens.clear();
      this.stemSlots.clear();
    }
  }

  private slotFor(token: string): Slot {
    const stem = cachedStem(token);
    let s = this.stemSlots.get(stem);
    if (s === undefined) this.stemSlots.set(stem, (s = { stem, doc: 0, tf: 0, call: 0, df: 0, idx: 0, postings: 0 }));
    return s;
  }

  private count(s: Slot): void {
    if (s.doc !== this.doc) {
      s.doc = this.doc;
      s.tf = 1;
      this.distinct.push(s);
    } else s.tf++;
    this.docTokens++;
  }

  /** Where analysis sends each token (see analysis.scanTokens): counted, and kept for FTS5's text when needed. */
  private readonly sink: TokenSink = {
    word: (text, start, end, capital) => {
      const h = hashRange(text, start, end, capital);
      let s = this.tokens.getRange(text, start, end, capital, h);
      if (s === undefined) {
        const key = capital ? text.slice(start, end).toLowerCase() : text.slice(start, end);
        this.tokens.add(key, h, (s = this.slotFor(key)));
      }
      this.count(s);
      this.kept.push(capital ? -start - 1 : start, end);
    },
    token: (t) => {
      const h = hashString(t);
      let s = this.tokens.get(t, h);
      if (s === undefined) this.tokens.add(t, h, (s = this.slotFor(t)));
      this.count(s);
      this.kept.push(this.keptStrings.length, -1);
      this.keptStrings.push(t);
    },
  };

  /** A text's analysed form for FTS5: the text itself when unicode61 finds the same tokens in it, else the tokens. */
  private scan(text: string): string {
    this.kept.length = 0;
    this.keptStrings.length = 0;
    if (scanTokens(text, this.sink)) return text;
    const out: string[] = [];
    const k = this.kept;
    for (let i = 0; i < k.length; i += 2) {
      const a = k[i]!;
      const b = k[i + 1]!;
      if (b < 0) out.push(this.keptStrings[a]!);
      else out.push(a < 0 ? text.slice(-a - 1, b).toLowerCase() : text.slice(a, b));
    }
    return out.join(' ');
  }

  /** Counts one memory's stems; returns its analysed body and tags (for FTS5) and its length in tokens. */
  private analyse(r: NewRow, countDf: boolean, postings: boolean, lengths: Int32Array | null, lo: number): [string, string, number] {
    this.doc = ++this.docSeq;
    this.distinct.length = 0;
    this.docTokens = 0;
    const body = this.scan(r.content);
    const tags = r.tags ? this.scan(r.tags) : '';
    for (const s of this.distinct) {
      if (s.call !== this.call) {
        s.call = this.call;
        s.df = 0;
        s.postings = 0;
        s.idx = this.touched.length;
        this.touched.push(s);
      }
      if (countDf) s.df++;
      if (postings) {
        s.postings++;
        this.triples.push(s.idx, r.rowid, s.tf);
      }
    }
    const dl = this.docTokens;
    if (postings) lengths![r.rowid - lo] = dl;
    return [body, tags, dl];
  }
}
