// The memory store: one SQLite file, prepared statements, writes, dedupe and bounds. Searching is search/'s job
// (exact full-text ranking, vectors streamed through the VectorIndex); the store hands it the connection.
import { hash, randomFillSync } from 'node:crypto';
import { statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import type { MemoryRecord, MemorySaveParams, MemorySaveResult, MemorySearchParams, MemorySearchResult, MemoryStats } from '../../shared/protocol';
import { AccessTimes } from './accessTimes';
import { BULK_PAGE_CACHE_KIB, openDatabase, PAGE_CACHE_KIB, toStoreError, WAL_AUTOCHECKPOINT_PAGES, type Database, type MigrationLog } from './db';
import type { Embedder } from './embedder';
import { normalizeTags, tagsColumn, toRecord, type Row } from './records';
import { SearchIndexer } from './search/indexer';
import { MemorySearch, type InternalSearchParams } from './search/memorySearch';
import { checkLimit } from './search/options';
import { fromBlob, normalize, toBlob } from './vector';
import { VectorIndex } from './vectorIndex';
import { WalCheckpointer } from './walCheckpointer';

export const MAX_CONTENT_BYTES = 100 * 1024;
export { normalizeTags };
export { DEFAULT_LIMIT, MAX_LIMIT } from './search/options';
/**
 * During a bulk write the writer checkpoints by itself only past 32,768 pages of WAL (256 MB at 8 KB pages): the
 * worker normally keeps the log far shorter, and this bounds it if the worker falls behind or a reader pins it.
 */
const BULK_WAL_AUTOCHECKPOINT_PAGES = 32768;
/** Smaller imports never grow the WAL to the writer's own threshold (64 MB): a worker would only cost its start. */
const CHECKPOINT_WORKER_FROM_WAL_BYTES = 32 * 1024 * 1024;
/** Newest first, ties newest-saved first: the order schema v6's ascending indexes give when read backwards. */
export const RECENT_SQL = 'SELECT * FROM memories ORDER BY updated_at DESC, rowid DESC LIMIT ?';
export const RECENT_BY_CATEGORY_SQL = 'SELECT * FROM memories WHERE category = ? ORDER BY updated_at DESC, rowid DESC LIMIT ?';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface StoreOptions {
  maxMemories?: number | null;
  maxBytes?: number | null;
  embedder?: Embedder | null;
  busyTimeoutMs?: number;
  now?: () => number;
  /** A bulk write starts its checkpoint worker once the WAL file reaches this size (default 32 MB). */
  checkpointWorkerFromWalBytes?: number;
  /** Progress lines of a long schema migration (default: stderr). */
  migrationLog?: MigrationLog;
}

/** The store options that settings control; the rest (timeouts, clocks) stay with whoever opens the store. */
export type ConfigurableStoreOptions = Required<Pick<StoreOptions, 'maxMemories' | 'maxBytes' | 'embedder'>>;

/** A memory as imported: a save plus the fields an export carries. */
export interface ImportRecord extends MemorySaveParams {
  id?: string;
  createdAt?: string | number;
  updatedAt?: string | number;
  embedding?: number[] | Float32Array;
}

/** One memory ready for the insert statement, in its column order. */
interface NewRow {
  id: string;
  content: string;
  hash: string;
  category: string;
  tags: string;
  importance: number;
  source: string;
  workspace: string;
  created: number;
  updated: number;
  accessed: number;
  embedding: Buffer | null;
  dim: number | null;
}

/** Whitespace that normalization would change: a run of two, or any whitespace but a plain space. */
const UNNORMALIZED_SPACE = /\s\s|[^\S ]/;

function contentHash(content: string): string {
  // Most texts are already single-spaced; testing first skips a copy of the whole text (a third of the cost).
  const normalized = UNNORMALIZED_SPACE.test(content) ? content.replace(/\s+/g, ' ') : content;
  // 64 bits of SHA-256 is plenty to tell memories apart and keeps the unique index small.
  return hash('sha256', normalized.trim(), 'hex').slice(0, 16);
}

// Random bytes for ids, drawn 4 at a time from a refilled pool: one system call per 1,024 ids, not per id.
const idEntropy = new Uint32Array(1024);
let idEntropyLeft = 0;

// A batch's ids share their millisecond: its hex digits are formatted once.
let idTimeMs = -1;
let idTimeHex = '';

/** Time-sortable ids: 12 hex digits of ms + 8 random hex. */
export function newId(now: number): string {
  if (idEntropyLeft === 0) {
    randomFillSync(idEntropy);
    idEntropyLeft = idEntropy.length;
  }
  if (now !== idTimeMs) {
    idTimeMs = now;
    idTimeHex = now.toString(16).padStart(12, '0');
  }
  return `${idTimeHex}${idEntropy[--idEntropyLeft]!.toString(16).padStart(8, '0')}`;
}

function checkString(v: unknown, field: string, max: number, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw new WardenError('MEMORY_INVALID_ARGUMENT', `${field} must be a string.`);
  if (v.length > max) throw new WardenError('MEMORY_INVALID_ARGUMENT', `${field} is longer than ${max} characters.`);
  return v.trim() || fallback;
}

function checkImportance(v: unknown): number {
  if (v === undefined || v === null) return 0.5;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new WardenError('MEMORY_INVALID_ARGUMENT', `importance must be a number from 0 to 1 (got ${JSON.stringify(v)}).`);
  }
  return v;
}

function toMs(v: string | number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const ms = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(ms) ? ms : fallback;
}

export class MemoryStore implements Disposable {
  private readonly db: Database;
  private readonly stmts: ReturnType<MemoryStore['prepare']>;
  private readonly vectors: VectorIndex;
  /** Reads record access times here; written a moment later or before an eviction, never waiting for a lock. */
  private readonly accessTimes: AccessTimes;
  private readonly searcher: MemorySearch;
  private readonly indexer: SearchIndexer;
  private closed = false;
  private readonly now: () => number;
  private bulkWriters = 0;
  private checkpointer: WalCheckpointer | null = null;
  private checkpointWorkerUnavailable = false;

  private constructor(
    readonly path: string,
    db: Database,
    private options: StoreOptions,
  ) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.stmts = this.prepare();
    this.vectors = new VectorIndex(db);
    this.accessTimes = new AccessTimes(db);
    this.searcher = new MemorySearch(db);
    this.indexer = new SearchIndexer(db);
  }

  static open(path: string, options: StoreOptions = {}): MemoryStore {
    const db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs, log: options.migrationLog });
    try {
      return new MemoryStore(path, db, options);
    } catch (err) {
      db.close();
      throw toStoreError(err, path);
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insert: db.prepare(
        `INSERT INTO memories (id, content, content_hash, category, tags, importance, source, workspace, created_at, updated_at, accessed_at, embedding, embedding_dim)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(content_hash) DO NOTHING`,
      ),
      byHash: db.prepare('SELECT id FROM memories WHERE content_hash = ?'),
      // New rows always get rowids above every existing one, so "rowid >= first new rowid" is exactly the new rows.
      maxRowid: db.prepare('SELECT coalesce(max(rowid), 0) FROM memories').pluck(),
      touchDuplicate: db.prepare('UPDATE memories SET updated_at = ?, accessed_at = ?, importance = max(importance, ?) WHERE id = ?'),
      get: db.prepare('SELECT * FROM memories WHERE id = ?'),
      delete: db.prepare('DELETE FROM memories WHERE id = ?'),
      recent: db.prepare(RECENT_SQL),
      recentByCategory: db.prepare(RECENT_BY_CATEGORY_SQL),
      count: db.prepare('SELECT count(*) FROM memories').pluck(),
      bytes: db.prepare('SELECT content_bytes FROM memory_totals WHERE id = 1').pluck(),
      // New rows' bytes, added once per insert (batch); see migration v5.
      addBytesFrom: db.prepare('UPDATE memory_totals SET content_bytes = content_bytes + (SELECT coalesce(sum(length(CAST(content AS BLOB))), 0) FROM memories WHERE rowid >= ?) WHERE id = 1'),
      withEmbeddings: db.prepare('SELECT count(*) FROM memories WHERE embedding IS NOT NULL').pluck(),
      categories: db.prepare('SELECT category, count(*) AS count FROM memories GROUP BY category ORDER BY count DESC LIMIT 50'),
      evictOne: db.prepare('DELETE FROM memories WHERE rowid = (SELECT rowid FROM memories ORDER BY importance ASC, accessed_at ASC LIMIT 1) RETURNING id').pluck(),
      evictN: db.prepare('DELETE FROM memories WHERE rowid IN (SELECT rowid FROM memories ORDER BY importance ASC, accessed_at ASC LIMIT ?) RETURNING id').pluck(),
      all: db.prepare('SELECT * FROM memories ORDER BY rowid'),
    };
  }

  private guard<T>(fn: () => T): T {
    if (this.closed) throw new WardenError('MEMORY_DB_ERROR', 'The memory store is closed.');
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.path);
    }
  }

  private validate(params: MemorySaveParams | ImportRecord) {
    if (typeof params !== 'object' || params === null) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'A memory must be an object with "content".');
    const content = typeof params.content === 'string' ? params.content.trim() : '';
    if (!content) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'content is required and must be a non-empty string.');
    // A lone UTF-16 surrogate (JSON's "\ud800") cannot be stored as UTF-8: SQLite would keep U+FFFD instead.
    if (LONE_SURROGATE.test(content)) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'content contains an unpaired surrogate (not valid Unicode text); nothing was saved.');
    // A UTF-16 unit is at most 3 UTF-8 bytes, so short texts skip counting their bytes.
    if (params.content.length * 3 > MAX_CONTENT_BYTES && Buffer.byteLength(params.content) > MAX_CONTENT_BYTES) {
      throw new WardenError('MEMORY_INVALID_ARGUMENT', `content is ${Buffer.byteLength(params.content)} bytes; the limit is ${MAX_CONTENT_BYTES} bytes. Save a summary instead.`);
    }
    return {
      content,
      category: checkString(params.category, 'category', 64, 'note').toLowerCase(),
      tags: normalizeTags(params.tags),
      importance: checkImportance(params.importance),
      source: checkString(params.source, 'source', 128, 'user'),
      workspace: checkString(params.workspace, 'workspace', 512, ''),
    };
  }

  async save(params: MemorySaveParams): Promise<MemorySaveResult> {
    const v = this.validate(params);
    let embedding: Float32Array | null = null;
    let warning: string | undefined;
    if (this.options.embedder) {
      try {
        [embedding] = (await this.options.embedder.embed([v.content])).map(normalize);
      } catch (err) {
        warning = `Saved without an embedding: ${this.options.embedder.description} failed (${(err as Error).message}); full-text search still finds it.`;
      }
    }
    const now = this.now();
    return this.guard(() => {
      const tx = this.db.transaction((): MemorySaveResult => {
        const hash = contentHash(v.content);
        const id = newId(now);
        const tags = tagsColumn(v.tags);
        const r = this.insert({
          id, content: v.content, hash, category: v.category, tags, importance: v.importance, source: v.source,
          workspace: v.workspace, created: now, updated: now, accessed: now, embedding: embedding ? toBlob(embedding) : null, dim: embedding?.length ?? null,
        });
        if (r.changes === 0) {
          const existing = this.stmts.byHash.get(hash) as { id: string };
          this.stmts.touchDuplicate.run(now, now, v.importance, existing.id);
          return { id: existing.id, duplicate: true, evicted: [] };
        }
        const rowid = Number(r.lastInsertRowid);
        this.indexer.indexInserted(this.indexer.prepare([{ content: v.content, tags }]), [rowid]);
        this.stmts.addBytesFrom.run(rowid);
        if (embedding) this.vectors.append([{ rowid, vector: embedding }]);
        return { id, duplicate: false, evicted: this.evictIfNeeded(id) };
      });
      const result = tx.immediate();
      return warning ? { ...result, warning } : result;
    });
  }

  /** Batch insert for imports: one transaction per call; duplicates are counted, not errors. */
  saveMany(records: ImportRecord[]): { imported: number; duplicates: number; errors: { index: number; message: string }[]; evicted: number } {
    const now = this.now();
    const prepared: { index: number; row: NewRow }[] = [];
    const errors: { index: number; message: string }[] = [];
    records.forEach((rec, index) => {
      try {
        const v = this.validate(rec);
        const created = toMs(rec.createdAt, now);
        const emb = rec.embedding ? normalize(rec.embedding) : null;
        prepared.push({
          index,
          row: {
            id: typeof rec.id === 'string' && /^[\w-]{1,64}$/.test(rec.id) ? rec.id : newId(created),
            content: v.content, hash: contentHash(v.content), category: v.category, tags: tagsColumn(v.tags), importance: v.importance,
            source: v.source, workspace: v.workspace, created, updated: toMs(rec.updatedAt, created), accessed: now,
            embedding: emb ? toBlob(emb) : null, dim: emb?.length ?? null,
          },
        });
      } catch (err) {
        errors.push({ index, message: (err as Error).message });
      }
    });
    return this.guard(() => {
      // Analysis starts first: a large batch is analysed on a worker thread while its rows are inserted.
      const analysis = this.indexer.prepare(prepared.map((p) => p.row));
      const tx = this.db.transaction(() => {
        const firstNewRowid = (this.stmts.maxRowid.get() as number) + 1;
        let imported = 0;
        const vectors: { rowid: number; vector: Float32Array }[] = [];
        const rowids = new Int32Array(prepared.length);
        for (const [i, p] of prepared.entries()) {
          let r: BetterSqlite3.RunResult;
          try {
            r = this.insert(p.row);
          } catch (err) {
            // An id that already exists with other content: give it a fresh id rather than lose the memory.
            if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
            p.row.id = newId(now);
            r = this.insert(p.row);
          }
          imported += r.changes;
          if (r.changes) rowids[i] = Number(r.lastInsertRowid);
          if (r.changes && p.row.embedding) vectors.push({ rowid: rowids[i]!, vector: fromBlob(p.row.embedding) });
        }
        if (imported) {
          this.indexer.indexInserted(analysis, rowids);
          this.stmts.addBytesFrom.run(firstNewRowid);
        }
        if (vectors.length) this.vectors.append(vectors);
        const evicted = this.evictIfNeeded(null).length;
        return { imported, duplicates: prepared.length - imported, errors, evicted };
      });
      const result = tx.immediate();
      this.afterBulkCommit();
      return result;
    });
  }

  /**
   * Takes new bounds and a new embeddings provider (settings changed). Lower bounds apply from the next write, which
   * evicts and reports as usual: changing a setting never deletes memories by itself.
   */
  configure(options: ConfigurableStoreOptions): void {
    this.options = { ...this.options, ...options };
  }

  /**
   * Runs a bulk write (an import: many saveMany calls) with the WAL checkpointed on a worker thread once it has
   * grown, so the batches' commits do not wait for checkpoint writes and fsyncs (the README has the figures), and with
   * a larger page cache (db.ts BULK_PAGE_CACHE_KIB). Bulk writes may overlap; both last until the last one ends.
   */
  async bulkWrite<T>(write: () => Promise<T>): Promise<T> {
    try {
      if (this.bulkWriters++ === 0) this.guard(() => this.db.pragma(`cache_size = -${BULK_PAGE_CACHE_KIB}`));
      return await write();
    } finally {
      await this.endBulkWrite();
    }
  }

  private afterBulkCommit(): void {
    if (this.bulkWriters === 0 || this.closed) return;
    const checkpointer = this.checkpointer ?? this.startCheckpointWorker();
    if (!checkpointer) return;
    if (checkpointer.isRunning) checkpointer.requestCheckpoint();
    // The worker failed (its connection could not open, or a checkpoint errored): the writer checkpoints again.
    else this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  }

  private startCheckpointWorker(): WalCheckpointer | null {
    if (this.checkpointWorkerUnavailable) return null;
    let walBytes = 0;
    try {
      walBytes = statSync(`${this.path}-wal`).size;
    } catch {
      // no WAL file yet
    }
    if (walBytes < (this.options.checkpointWorkerFromWalBytes ?? CHECKPOINT_WORKER_FROM_WAL_BYTES)) return null;
    try {
      // The worker's connection waits on locks as long as this one does.
      this.checkpointer = new WalCheckpointer(this.path, this.db.pragma('busy_timeout', { simple: true }) as number);
    } catch {
      // No worker thread to be had: the writer keeps checkpointing by itself, as outside bulk writes.
      this.checkpointWorkerUnavailable = true;
      return null;
    }
    this.db.pragma(`wal_autocheckpoint = ${BULK_WAL_AUTOCHECKPOINT_PAGES}`);
    return this.checkpointer;
  }

  private async endBulkWrite(): Promise<void> {
    if (this.bulkWriters === 0 || --this.bulkWriters > 0) return;
    // Lowering the bound frees the pages past it.
    if (!this.closed) this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    this.checkpointWorkerUnavailable = false;
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    if (!checkpointer) return;
    if (!this.closed) this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    await checkpointer.close();
  }

  /** True while a bulk write's checkpoint worker runs (for tests). */
  get hasCheckpointWorker(): boolean {
    return this.checkpointer?.isRunning ?? false;
  }

  private insert(r: NewRow): BetterSqlite3.RunResult {
    // Positional binding: binding 13 named parameters from an object costs a fifth of the insert.
    return this.stmts.insert.run(r.id, r.content, r.hash, r.category, r.tags, r.importance, r.source, r.workspace, r.created, r.updated, r.accessed, r.embedding, r.dim);
  }

  /** Least important first, then least recently accessed; never the memory just saved. */
  private evictIfNeeded(justSaved: string | null): string[] {
    const evicted: string[] = [];
    const { maxMemories, maxBytes } = this.options;
    if (maxMemories) {
      const over = (this.stmts.count.get() as number) - maxMemories;
      if (over > 0) {
        this.accessTimes.writeInTransaction();
        evicted.push(...(this.stmts.evictN.all(over) as string[]));
      }
    }
    if (maxBytes && (this.stmts.bytes.get() as number) > maxBytes) {
      this.accessTimes.writeInTransaction();
      for (let guard = 0; guard < 10_000 && (this.stmts.bytes.get() as number) > maxBytes; guard++) {
        const id = this.stmts.evictOne.get() as string | undefined;
        if (!id) break;
        evicted.push(id);
      }
    }
    if (evicted.length) this.vectors.compactIfNeeded();
    if (justSaved && evicted.includes(justSaved)) {
      throw new WardenError('MEMORY_INVALID_ARGUMENT', 'This memory does not fit within the configured store bounds (maxMemories / maxBytes) even after eviction.');
    }
    return evicted;
  }

  /**
   * Full-text search ranked exactly (every match scored; see search/), fused with vectors when memories have
   * embeddings. Signature unchanged since issue 5; params gained until and prefix, hits gained snippet.
   */
  async search(params: MemorySearchParams & InternalSearchParams): Promise<MemorySearchResult> {
    const { result, rowids } = await this.searcher.search(params, {
      embedder: this.options.embedder ?? null,
      vectors: this.vectors,
      guard: (fn) => this.guard(fn),
    });
    this.guard(() => {
      if (rowids.length) this.accessTimes.touch(rowids, this.now());
    });
    return result;
  }

  /** Top-k cosine over every stored embedding (exact scores; see VectorIndex). */
  vectorTopK(query: Float32Array, k: number): { rowid: number; score: number }[] {
    return this.guard(() => this.vectors.topK(normalize(query), k));
  }

  get(id: string): MemoryRecord {
    if (typeof id !== 'string' || !id) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'id must be a non-empty string.');
    return this.guard(() => {
      const row = this.stmts.get.get(id) as Row | undefined;
      if (!row) throw new WardenError('MEMORY_NOT_FOUND', `No memory with id ${id}.`);
      this.accessTimes.touch([row.rowid], this.now());
      return toRecord(row);
    });
  }

  delete(id: string): boolean {
    if (typeof id !== 'string' || !id) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'id must be a non-empty string.');
    return this.guard(() => {
      const tx = this.db.transaction(() => {
        const deleted = this.stmts.delete.run(id).changes > 0;
        if (deleted) this.vectors.compactIfNeeded();
        return deleted;
      });
      return tx.immediate();
    });
  }

  recent(options: { limit?: number; category?: string } = {}): MemoryRecord[] {
    const limit = checkLimit(options.limit);
    return this.guard(() => {
      const rows = (options.category ? this.stmts.recentByCategory.all(options.category.toLowerCase(), limit) : this.stmts.recent.all(limit)) as Row[];
      return rows.map(toRecord);
    });
  }

  stats(): MemoryStats {
    return this.guard(() => {
      let dbBytes = 0;
      for (const suffix of ['', '-wal']) {
        try {
          dbBytes += statSync(this.path + suffix).size;
        } catch {
          // no WAL right now
        }
      }
      return {
        count: this.stmts.count.get() as number,
        dbBytes,
        path: this.path,
        withEmbeddings: this.stmts.withEmbeddings.get() as number,
        maxMemories: this.options.maxMemories ?? null,
        maxBytes: this.options.maxBytes ?? null,
        categories: this.stmts.categories.all() as { category: string; count: number }[],
      };
    });
  }

  /** Every memory, streamed (for export); embeddings included when present. */
  *iterateAll(): Generator<MemoryRecord & { embedding?: number[] }> {
    const it = this.stmts.all.iterate() as IterableIterator<Row & { embedding: Buffer | null }>;
    for (const row of it) {
      const rec: MemoryRecord & { embedding?: number[] } = toRecord(row);
      if (row.embedding) rec.embedding = Array.from(fromBlob(row.embedding));
      yield rec;
    }
  }

  /** The raw connection, for tests and benchmarks only. */
  get database(): BetterSqlite3.Database {
    return this.db;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.accessTimes.flush();
    } catch {
      // best effort: access times only order evictions
    }
    this.accessTimes.dispose();
    this.indexer.dispose();
    // A bulk write still running loses its worker: the worker closes its own connection and exits, and the bulk
    // write's end waits for that.
    void this.checkpointer?.close();
    try {
      this.db.close();
    } catch {
      // already closed
    }
  }

  dispose(): void {
    this.close();
  }
}
