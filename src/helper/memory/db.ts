// Owns the SQLite connection of the memory store: opening (WAL, busy timeout, user-only file), migrations in
// PRAGMA user_version, and the mapping of SQLite failures to WardenErrors that say what to do.
import { chmodSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { WardenError } from '../../shared/errors';
import { GRAPH_SCHEMA_SQL, GRAPH_SUBSTRINGS_SQL } from './compat/graphSchema';
import { termsJson, tokenCount } from './search/docTerms';
import { SearchIndexer } from './search/indexer';
import { SegmentStore } from './search/segmentStore';
import { VectorIndex } from './vectorIndex';

export type Database = BetterSqlite3.Database;

/**
 * Checkpoint after 8,192 pages of WAL (64 MB at 8 KB pages) rather than 1,000: a page that every import batch
 * rewrites (the random content-hash index) is copied into the database once per checkpoint, not once per batch.
 * The file is cut back to that size after each checkpoint.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 8192;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** 32 MB of page cache (bounded): what searches and single saves touch stays in memory. */
export const PAGE_CACHE_KIB = 32 * 1024;
/**
 * 128 MB while a bulk write (an import) runs, back to PAGE_CACHE_KIB after it: at 1M memories the content-hash index
 * alone is ~30 MB, and its random inserts re-read pages from the file once it outgrows the cache (ingest at 1M:
 * 37k/s with 32 MB, 56k/s with 128 MB, the same run).
 */
export const BULK_PAGE_CACHE_KIB = 128 * 1024;

const SQLITE_HEADER = 'SQLite format 3\0';

/** Where a long migration reports how far it got (stderr by default: the helper's log, the CLI's terminal). */
export type MigrationLog = (line: string) => void;

/**
 * The store's one text analysis (search/analysis.ts) for the triggers that keep document frequencies and totals:
 * distinct stems, token count. Registered on every connection this module opens; a connection without them (the
 * sqlite3 shell) can read everything but not edit or delete memories.
 */
const TERMS_FUNCTION = 'warden_terms';
const TOKENS_FUNCTION = 'warden_token_count';

/** Rows indexed per step during migrations v10 and v11 (bounded memory, progress lines between batches). */
const REINDEX_BATCH_ROWS = 20_000;

/** Ordered schema steps; a step that needs more than SQL (re-encoding data) is a function. */
const MIGRATIONS: readonly (string | ((db: BetterSqlite3.Database, log: MigrationLog) => void))[] = [
  // v1
  `CREATE TABLE memories (
     rowid INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     content TEXT NOT NULL,
     content_hash TEXT NOT NULL UNIQUE,
     category TEXT NOT NULL,
     tags TEXT NOT NULL,
     importance REAL NOT NULL CHECK (importance >= 0 AND importance <= 1),
     source TEXT NOT NULL,
     workspace TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     accessed_at INTEGER NOT NULL,
     embedding BLOB,
     embedding_dim INTEGER
   );
   CREATE INDEX memories_updated ON memories(updated_at DESC); -- replaced in v6
   CREATE INDEX memories_eviction ON memories(importance, accessed_at);
   -- No prefix index: it halves the ingest rate, and prefix queries stay fast enough through the term index.
   CREATE VIRTUAL TABLE memories_fts USING fts5(
     content, tags,
     content='memories', content_rowid='rowid',
     tokenize='unicode61 remove_diacritics 2'
   );
   -- v1's float32 chunks; replaced by int8 codes in v2.
   CREATE TABLE vector_chunks (
     id INTEGER PRIMARY KEY,
     dim INTEGER NOT NULL,
     n INTEGER NOT NULL,
     rowids BLOB NOT NULL,
     vectors BLOB NOT NULL
   );
   CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
     INSERT INTO memories_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
   END;
   CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
     INSERT INTO memories_fts(memories_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
   END;
   CREATE TRIGGER memories_au AFTER UPDATE OF content, tags ON memories BEGIN
     INSERT INTO memories_fts(memories_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
     INSERT INTO memories_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
   END;`,
  // v2: the vector scan reads int8 codes (a quarter of the bytes) and re-ranks from memories.embedding.
  (db) => {
    db.exec(`
      DROP TABLE vector_chunks;
      -- Embeddings as int8 codes packed ~1,000 per row, so a search reads a few hundred BLOBs, not a row per
      -- memory. Append-only; entries of deleted memories are counted in vector_stale and dropped by compaction.
      CREATE TABLE vector_chunks (
        id INTEGER PRIMARY KEY,
        dim INTEGER NOT NULL,
        n INTEGER NOT NULL,
        rowids BLOB NOT NULL,
        scales BLOB NOT NULL,
        codes BLOB NOT NULL
      );
      CREATE TABLE vector_stale (n INTEGER NOT NULL);
      INSERT INTO vector_stale (n) VALUES (0);
      CREATE TRIGGER memories_ad_vector AFTER DELETE ON memories WHEN old.embedding IS NOT NULL BEGIN
        UPDATE vector_stale SET n = n + 1;
      END;`);
    new VectorIndex(db).rebuild();
  },
  // v3: the store indexes new rows itself, once per batch. Through this trigger FTS5 flushed its pending
  // terms for every row (a savepoint per trigger statement), which capped imports near 12k memories/s.
  `DROP TRIGGER memories_ai;`,
  // v4: FTS5 buffers up to 16 MB of new terms per transaction (default 1 MB) and merges 8 segments at a time
  // (default 4), so an import batch becomes one segment and is rewritten by fewer merges; ingest ~1.5x.
  `INSERT INTO memories_fts(memories_fts, rank) VALUES ('hashsize', 16777216);
   INSERT INTO memories_fts(memories_fts, rank) VALUES ('automerge', 8);`,
  // v5: the content bytes a maxBytes bound is checked against, kept as a running total: summing every row's
  // length on each save read the whole table (a 100k store: all of its text, again per evicted memory). Deletes
  // and edits keep it by trigger; the store adds each insert batch's bytes itself, once per batch, not per row.
  `CREATE TABLE memory_totals (id INTEGER PRIMARY KEY CHECK (id = 1), content_bytes INTEGER NOT NULL);
   INSERT INTO memory_totals (id, content_bytes) SELECT 1, coalesce(sum(length(CAST(content AS BLOB))), 0) FROM memories;
   CREATE TRIGGER memories_ad_bytes AFTER DELETE ON memories BEGIN
     UPDATE memory_totals SET content_bytes = content_bytes - length(CAST(old.content AS BLOB)) WHERE id = 1;
   END;
   CREATE TRIGGER memories_au_bytes AFTER UPDATE OF content ON memories BEGIN
     UPDATE memory_totals SET content_bytes = content_bytes - length(CAST(old.content AS BLOB)) + length(CAST(new.content AS BLOB)) WHERE id = 1;
   END;`,
  // v6: "recent" reads walk an index in the order they ask for. v1's (updated_at DESC) keeps ties rowid-ascending,
  // so `ORDER BY updated_at DESC, rowid DESC` sorted every row of the newest millisecond (an import writes thousands
  // per millisecond: 2.8 ms for ten rows at 100k), and a category filter scanned and sorted the whole table. An
  // ascending index read backwards gives exactly that order; the category one keeps each category's rows together.
  `DROP INDEX IF EXISTS memories_updated;
   CREATE INDEX IF NOT EXISTS memories_recent ON memories(updated_at);
   CREATE INDEX IF NOT EXISTS memories_category_recent ON memories(category, updated_at);`,
  // v7: the knowledge graph of the server-memory drop-in (compat/graphSchema.ts).
  GRAPH_SCHEMA_SQL,
  // v8: search that finds what people ask (issue 14). It reindexed every memory into a contentless FTS5 table of the
  // analysed text (porter over unicode61); since v13 nothing reads FTS5, so this step only drops v1's index.
  `DROP TRIGGER IF EXISTS memories_ad;
   DROP TRIGGER IF EXISTS memories_au;
   DROP TABLE IF EXISTS memories_fts;`,
  // v9: the server-memory drop-in's substring index (FTS5 trigram), so search_nodes does not scan every
  // observation (compat/graphSchema.ts).
  GRAPH_SUBSTRINGS_SQL,
  // v10: the exact top-k beside FTS5 (issue 14): document frequencies, corpus totals, and segments of
  // impact-ordered postings (search/indexer.ts). Triggers keep frequencies and totals exact on deletes and edits;
  // an edited memory already in a segment is scored from its text instead (search_dirty). Existing memories are
  // indexed here, 20,000 at a time, with progress lines.
  (db, log) => indexTopKV10(db, log),
  // v11: postings in rowid order packed in blocks (search/postings.ts), with the memories' lengths per segment, and
  // segments merged by a bounded policy (search/segmentMerge.ts): v10's impact-ordered rows, one per term per segment
  // of 2,000 memories and keyed term first, made imports write all over a B-tree far larger than the page cache
  // (6,870 memories/s at 1M), and multi-word top-k read most of each list. Frequencies and totals are kept; the
  // segments are rebuilt from every memory's text, 20,000 at a time, with progress lines.
  (db, log) => segmentsV11(db, log),
  // v12: each segment counts its memories deleted or edited since it was written, so the merge policy rewrites a
  // segment once a quarter of it is stale (segments at the size cap were otherwise never merged again, and kept
  // deleted memories' postings and edited ones' re-reads forever).
  (db) => staleCountsV12(db),
  // v13: FTS5 leaves the store (issue 14): its insert cost ~15 µs a memory at 1M (its merges grow with the index),
  // capping imports near 25k memories/s, and everything it answered (phrases, prefixes, filtered queries) is ranked
  // from the segments now (search/fullRanking.ts). Segments keep a deleted memory's postings until a merge, so its
  // rowid is kept in search_deleted (by trigger) for searches to skip; existing stores get theirs from the segments'
  // lengths, and any memories after the last segment are indexed here.
  (db, log) => withoutFts5V13(db, log),
  // v14: segments hold each posting's positions (search/postings.ts), so a phrase is verified from its stems' positions
  // instead of every candidate memory's text (2-word phrases of common words at 1M: 86 ms p50, 466 ms p95 for pairs
  // with the most frequent words, before). Existing segments keep none and their candidates are verified from text as
  // before; a merge of positioned segments only writes positions (an export and import positions a whole store).
  (db) => positionsColumnV14(db),
];

/** Runs a migration step's indexing with an indexer whose analysis worker is stopped after it. */
function withIndexer(db: BetterSqlite3.Database, fn: (indexer: SearchIndexer) => void): void {
  const indexer = new SearchIndexer(db);
  try {
    fn(indexer);
  } finally {
    indexer.dispose();
  }
}

function indexTopKV10(db: BetterSqlite3.Database, log: MigrationLog): void {
  db.exec(`
    -- Dropped first: tests recreate older files by lowering user_version over a current schema.
    DROP TRIGGER IF EXISTS memories_ad_search;
    DROP TRIGGER IF EXISTS memories_au_search;
    DROP TABLE IF EXISTS search_terms;
    DROP TABLE IF EXISTS search_stats;
    DROP TABLE IF EXISTS search_postings;
    DROP TABLE IF EXISTS search_dirty;
    CREATE TABLE search_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE search_stats (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      docs INTEGER NOT NULL, tokens INTEGER NOT NULL,
      segmented_upto INTEGER NOT NULL, next_segment INTEGER NOT NULL
    );
    INSERT INTO search_stats VALUES (1, 0, 0, 0, 1);
    CREATE TABLE search_postings (term TEXT NOT NULL, seg INTEGER NOT NULL, postings BLOB NOT NULL, PRIMARY KEY (term, seg)) WITHOUT ROWID;
    CREATE TABLE search_dirty (rowid INTEGER PRIMARY KEY);
    CREATE TRIGGER memories_ad_search AFTER DELETE ON memories BEGIN
      UPDATE search_terms SET df = df - 1 WHERE term IN (SELECT value FROM json_each(${TERMS_FUNCTION}(old.content, old.tags)));
      UPDATE search_stats SET docs = docs - 1, tokens = tokens - ${TOKENS_FUNCTION}(old.content, old.tags) WHERE id = 1;
      DELETE FROM search_dirty WHERE rowid = old.rowid;
    END;
    CREATE TRIGGER memories_au_search AFTER UPDATE OF content, tags ON memories BEGIN
      UPDATE search_terms SET df = df - 1 WHERE term IN (SELECT value FROM json_each(${TERMS_FUNCTION}(old.content, old.tags)));
      INSERT INTO search_terms(term, df) SELECT value, 1 FROM json_each(${TERMS_FUNCTION}(new.content, new.tags)) WHERE true
        ON CONFLICT(term) DO UPDATE SET df = df + 1;
      UPDATE search_stats SET tokens = tokens - ${TOKENS_FUNCTION}(old.content, old.tags) + ${TOKENS_FUNCTION}(new.content, new.tags) WHERE id = 1;
      INSERT OR IGNORE INTO search_dirty(rowid) SELECT new.rowid WHERE new.rowid <= (SELECT segmented_upto FROM search_stats WHERE id = 1);
    END;`);
  // Frequencies and totals only: v11 builds the segments.
  withIndexer(db, (indexer) => inBatches(db, log, 'indexing', '(schema v10: the exact top-k index)', (from, to) => indexer.indexRange(from, to, { segments: false })));
}

function segmentsV11(db: BetterSqlite3.Database, log: MigrationLog): void {
  db.exec(`
    DROP TABLE IF EXISTS search_postings;
    DROP TABLE IF EXISTS search_segments;
    DROP TABLE IF EXISTS search_blocks;
    -- lengths: each memory's tokens (varints, by rowid - lo; 0 for a rowid with no memory).
    -- docs / dead: memories it held when written, and deleted or edited since (v12; created here for v10 stores).
    -- positions: 1 when its lists hold positions (v14; created here, as the segments built here hold them).
    CREATE TABLE search_segments (
      seg INTEGER PRIMARY KEY, lo INTEGER NOT NULL, hi INTEGER NOT NULL, salt INTEGER NOT NULL, lengths BLOB NOT NULL,
      docs INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0, positions INTEGER NOT NULL DEFAULT 0
    );
    -- Keyed segment first: a new segment's blocks are appended at the end of the B-tree.
    CREATE TABLE search_blocks (seg INTEGER NOT NULL, first_term TEXT NOT NULL, block BLOB NOT NULL, PRIMARY KEY (seg, first_term)) WITHOUT ROWID;
    -- v13's deleted memories: the merges run here keep them, so they exist from here on.
    CREATE TABLE IF NOT EXISTS search_deleted (rowid INTEGER PRIMARY KEY);
    UPDATE search_stats SET segmented_upto = 0 WHERE id = 1;
    DELETE FROM search_dirty;
    DELETE FROM search_deleted;`);
  withIndexer(db, (indexer) => inBatches(db, log, 'indexing', '(schema v11: segments of the exact top-k)', (from, to) => indexer.indexRange(from, to, { stats: false })));
}

function staleCountsV12(db: BetterSqlite3.Database): void {
  const columns = (db.prepare("SELECT name FROM pragma_table_info('search_segments')").pluck().all() as string[]);
  if (!columns.includes('docs')) {
    db.exec(`ALTER TABLE search_segments ADD COLUMN docs INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE search_segments ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;
      UPDATE search_segments SET docs = hi - lo + 1;`);
  }
  db.exec(`
    DROP TRIGGER IF EXISTS memories_ad_segments;
    DROP TRIGGER IF EXISTS memories_au_segments;
    CREATE TRIGGER memories_ad_segments AFTER DELETE ON memories BEGIN
      UPDATE search_segments SET dead = dead + 1 WHERE old.rowid BETWEEN lo AND hi;
    END;
    CREATE TRIGGER memories_au_segments AFTER UPDATE OF content, tags ON memories BEGIN
      UPDATE search_segments SET dead = dead + 1 WHERE new.rowid BETWEEN lo AND hi;
    END;`);
}

function withoutFts5V13(db: BetterSqlite3.Database, log: MigrationLog): void {
  // The segments it may write, and those it lists, have v14's column.
  positionsColumnV14(db);
  db.exec(`
    DROP TRIGGER IF EXISTS memories_ad;
    DROP TRIGGER IF EXISTS memories_au;
    DROP TABLE IF EXISTS memories_fts;
    DROP TRIGGER IF EXISTS memories_ad_deleted;
    CREATE TABLE IF NOT EXISTS search_deleted (rowid INTEGER PRIMARY KEY);
    DELETE FROM search_deleted;
    -- Only rowids inside a segment: a memory after the last one has no postings to skip.
    CREATE TRIGGER memories_ad_deleted AFTER DELETE ON memories WHEN old.rowid <= (SELECT segmented_upto FROM search_stats WHERE id = 1) BEGIN
      INSERT OR IGNORE INTO search_deleted(rowid) VALUES (old.rowid);
    END;`);
  const { upto, last } = db.prepare('SELECT segmented_upto AS upto, (SELECT coalesce(max(rowid), 0) FROM memories) AS last FROM search_stats WHERE id = 1').get() as { upto: number; last: number };
  if (last > upto) {
    // Every write segments what it inserts, so this finds none; a store that still has some gets them indexed.
    log(`memory store: indexing memories ${upto + 1}-${last} (schema v13: segments for memories FTS5 alone held)…`);
    withIndexer(db, (indexer) => indexer.indexRange(upto + 1, last, { stats: false }));
  }
  // A memory deleted since its segment was written: in the segment's lengths (it had tokens) and gone from the table.
  // The live rowids in one pass (SQLite reads them from its smallest index, not the rows), then each segment's lengths.
  const segments = new SegmentStore(db);
  const exists = new Uint8Array(last + 1);
  for (const r of db.prepare('SELECT rowid FROM memories').pluck().iterate() as IterableIterator<number>) exists[r] = 1;
  const tombstone = db.prepare('INSERT OR IGNORE INTO search_deleted(rowid) VALUES (?)');
  let deleted = 0;
  for (const s of segments.list()) {
    const dls = segments.lengths(s);
    for (let i = 0; i < dls.length; i++) {
      if (dls[i] && !exists[s.lo + i]) {
        tombstone.run(s.lo + i);
        deleted++;
      }
    }
  }
  // Searches read a segment's deleted memories only when it counts some (v12 counted none before its trigger).
  db.exec('UPDATE search_segments SET dead = max(dead, (SELECT count(*) FROM search_deleted d WHERE d.rowid BETWEEN lo AND hi))');
  if (deleted) log(`memory store: ${deleted} deleted memories' postings marked for searches to skip (schema v13)`);
}

function positionsColumnV14(db: BetterSqlite3.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('search_segments')").pluck().all() as string[];
  if (!columns.includes('positions')) db.exec('ALTER TABLE search_segments ADD COLUMN positions INTEGER NOT NULL DEFAULT 0');
}

/** Runs `step` over every memory's rowids in ascending batches of REINDEX_BATCH_ROWS, with progress lines. */
function inBatches(db: BetterSqlite3.Database, log: MigrationLog, verb: string, what: string, step: (fromRowid: number, toRowid: number) => void): void {
  const total = db.prepare('SELECT count(*) FROM memories').pluck().get() as number;
  if (!total) return;
  const started = Date.now();
  log(`memory store: ${verb} ${total} memories ${what}…`);
  const upTo = db.prepare(`SELECT max(rowid), count(*) FROM (SELECT rowid FROM memories WHERE rowid > ? ORDER BY rowid LIMIT ${REINDEX_BATCH_ROWS})`).raw(true);
  let last = 0;
  let done = 0;
  for (;;) {
    const [upper, n] = upTo.get(last) as [number | null, number];
    if (upper === null || !n) break;
    step(last + 1, upper);
    done += n;
    last = upper;
    if (done < total) log(`memory store: ${verb === 'reindexing' ? 'reindexed' : 'indexed'} ${done} of ${total} memories`);
  }
  log(`memory store: ${verb === 'reindexing' ? 'reindexed' : 'indexed'} ${done} memories in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Translates a SQLite error into a WardenError; never passes raw SQL text to a user. */
export function toStoreError(err: unknown, path: string): WardenError {
  if (err instanceof WardenError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new WardenError('MEMORY_DB_LOCKED', `The memory database ${path} is locked by another process and stayed locked past the busy timeout; nothing was changed. Try again, or close the other program holding it.`);
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new WardenError('MEMORY_DB_CORRUPT', `The memory database ${path} is damaged or not a SQLite database; it was left untouched. Move it aside (or restore a backup / an export) and MCP Warden will create a new one.`);
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR')) {
    return new WardenError('MEMORY_DB_ERROR', `The memory database ${path} cannot be opened or written (${code}); check its permissions and free disk space.`);
  }
  if (code === 'SQLITE_FULL') return new WardenError('MEMORY_DB_ERROR', `The disk holding ${path} is full; nothing was saved.`);
  return new WardenError('MEMORY_DB_ERROR', `The memory database ${path} failed (${code || (err as Error).message}).`);
}

function loadDriver(): typeof BetterSqlite3 {
  // Required lazily: an editor runtime that cannot load the native module breaks memory requests only.
  try {
    const req = createRequire(__filename);
    return req('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    throw new WardenError('MEMORY_DB_ERROR', `The memory store needs better-sqlite3, which could not be loaded in Node ${process.versions.node}: ${(err as Error).message}`);
  }
}

export interface OpenOptions {
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** Progress of a long migration (default: lines on stderr). */
  log?: MigrationLog;
}

const stderrLog: MigrationLog = (line) => process.stderr.write(`${line}\n`);

export function openDatabase(path: string, options: OpenOptions = {}): Database {
  if (existsSync(path) && statSync(path).size > 0) {
    // A file that is not SQLite is refused before SQLite could be tempted to touch it.
    const fd = openSync(path, 'r');
    const header = Buffer.alloc(16);
    try {
      readSync(fd, header, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    if (header.toString('latin1') !== SQLITE_HEADER) throw toStoreError({ code: 'SQLITE_NOTADB' }, path);
  }
  const Driver = loadDriver();
  let db: Database;
  try {
    db = new Driver(path, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (err) {
    throw toStoreError(err, path);
  }
  try {
    if (process.platform !== 'win32') chmodSync(path, 0o600);
    // Takes effect only in a new file (before WAL is on); 8 KB pages hold more FTS terms and index cells each.
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    db.pragma('journal_size_limit = 67108864');
    db.function(TERMS_FUNCTION, { deterministic: true }, termsJson);
    db.function(TOKENS_FUNCTION, { deterministic: true }, tokenCount);
    migrate(db, options.log ?? stderrLog);
  } catch (err) {
    db.close();
    throw toStoreError(err, path);
  }
  return db;
}

function migrate(db: Database, log: MigrationLog): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new WardenError('MEMORY_DB_ERROR', `The memory database has schema version ${current}, newer than this MCP Warden understands (${SCHEMA_VERSION}); update MCP Warden.`);
  }
  if (current === SCHEMA_VERSION) return;
  const run = db.transaction(() => {
    // Re-read inside the write lock: another helper may have migrated meanwhile.
    const v = db.pragma('user_version', { simple: true }) as number;
    for (let i = v; i < SCHEMA_VERSION; i++) {
      const step = MIGRATIONS[i]!;
      if (typeof step === 'string') db.exec(step);
      else step(db, log);
      db.pragma(`user_version = ${i + 1}`);
    }
  });
  run.immediate();
}
