// Indexes new memories for search, in the inserting transaction: their analysed text into FTS5 (matching, phrases,
// prefixes), their stems into the document frequencies and corpus totals, and — once enough have gathered — a
// segment of impact-ordered postings per term, which the exact top-k search reads from the top.
import type { Database } from '../db';
import { docTerms, type DocTerms } from './docTerms';
import { encodePostings, type Posting } from './postings';

/** Memories newer than the last segment are found through FTS5 and scored one by one; past this many, a segment. */
export const SEGMENT_MIN_DOCS = 2000;

interface NewRow {
  rowid: number;
  content: string;
  tags: string;
}

export class SearchIndexer {
  private readonly stmts;

  constructor(db: Database) {
    this.stmts = {
      rowsFrom: db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid >= ? AND rowid <= ? ORDER BY rowid'),
      maxRowid: db.prepare('SELECT coalesce(max(rowid), 0) FROM memories').pluck(),
      fts: db.prepare('INSERT INTO memories_fts(rowid, body, tags) VALUES (?, ?, ?)'),
      // One statement per batch: the batch's frequencies as a JSON object {term: count}.
      df: db.prepare('INSERT INTO search_terms(term, df) SELECT key, value FROM json_each(?) WHERE true ON CONFLICT(term) DO UPDATE SET df = df + excluded.df'),
      addTotals: db.prepare('UPDATE search_stats SET docs = docs + ?, tokens = tokens + ? WHERE id = 1'),
      state: db.prepare('SELECT segmented_upto AS upto, next_segment AS seg FROM search_stats WHERE id = 1'),
      tailCount: db.prepare('SELECT count(*) FROM memories WHERE rowid > ?').pluck(),
      postings: db.prepare('INSERT INTO search_postings(term, seg, postings) VALUES (?, ?, ?)'),
      segmented: db.prepare('UPDATE search_stats SET segmented_upto = ?, next_segment = next_segment + 1 WHERE id = 1'),
      dirty: db.prepare('INSERT OR IGNORE INTO search_dirty(rowid) VALUES (?)'),
    };
  }

  /** Indexes the memories with rowid ≥ firstRowid (all new, in the current transaction). */
  indexFrom(firstRowid: number): void {
    this.indexRange(firstRowid, this.stmts.maxRowid.get() as number);
  }

  /**
   * Indexes rows firstRowid..lastRowid; builds a segment when enough memories are outside one. `fts: false` skips
   * FTS5 (migration v10 indexes memories FTS5 already holds).
   */
  indexRange(firstRowid: number, lastRowid: number, options: { fts?: boolean } = {}): void {
    const fts = options.fts ?? true;
    const rows = this.stmts.rowsFrom.all(firstRowid, lastRowid) as NewRow[];
    if (!rows.length) return;
    const analysed = new Map<number, DocTerms>();
    const df = new Map<string, number>();
    let tokens = 0;
    for (const r of rows) {
      const d = docTerms(r.content, r.tags);
      analysed.set(r.rowid, d);
      if (fts) this.stmts.fts.run(r.rowid, d.bodyText, d.tagsText);
      for (const s of d.tf.keys()) df.set(s, (df.get(s) ?? 0) + 1);
      tokens += d.dl;
    }
    this.stmts.df.run(JSON.stringify(Object.fromEntries(df)));
    this.stmts.addTotals.run(rows.length, tokens);
    const { upto } = this.stmts.state.get() as { upto: number; seg: number };
    // SQLite reuses the rowid of a deleted newest row: one inside a segment's range is scored from its text, and the
    // postings the segment holds for that rowid (the deleted memory's) are ignored.
    for (const r of rows) if (r.rowid <= upto) this.stmts.dirty.run(r.rowid);
    if ((this.stmts.tailCount.get(upto) as number) >= SEGMENT_MIN_DOCS) this.buildSegment(upto, firstRowid, analysed);
  }

  /** Writes one segment holding every memory after `upto` (those just analysed are not analysed again). */
  private buildSegment(upto: number, firstRowid: number, analysed: Map<number, DocTerms>): void {
    const last = this.stmts.maxRowid.get() as number;
    const byTerm = new Map<string, Posting[]>();
    const add = (rowid: number, d: DocTerms) => {
      for (const [term, tf] of d.tf) {
        let list = byTerm.get(term);
        if (!list) byTerm.set(term, (list = []));
        list.push({ rowid, tf, dl: d.dl });
      }
    };
    // Memories saved before this batch and since the last segment (fewer than SEGMENT_MIN_DOCS), then the batch:
    // rowid order, which encodePostings sorts fastest.
    const older = this.stmts.rowsFrom.all(upto + 1, firstRowid - 1) as NewRow[];
    for (const r of older) add(r.rowid, docTerms(r.content, r.tags));
    for (const [rowid, d] of analysed) if (rowid > upto) add(rowid, d);
    const { seg } = this.stmts.state.get() as { upto: number; seg: number };
    for (const [term, list] of byTerm) this.stmts.postings.run(term, seg, encodePostings(list));
    this.stmts.segmented.run(last);
  }
}
