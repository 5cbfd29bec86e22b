// A search request end to end: options and query parsed, text ranked (exact), vectors fused when there are
// embeddings, a page cut with a cursor, rows read and snippets made. The store calls it and bumps access times.
import { WardenError } from '../../../shared/errors';
import type { MemoryHit, MemorySearchParams, MemorySearchResult } from '../../../shared/protocol';
import type { Database } from '../db';
import type { Embedder } from '../embedder';
import { toRecord, type Row } from '../records';
import { normalize } from '../vector';
import type { VectorIndex } from '../vectorIndex';
import { FullRanking } from './fullRanking';
import { ExactTopK } from './topK';
import { fuse, type RankedRow } from './fusion';
import { encodeCursor, hasFilters, searchOptions } from './options';
import { parseQuery } from './query';
import { relativeScore, type Scored } from './scoring';
import { snippet } from './snippet';

export interface SearchContext {
  embedder: Embedder | null;
  vectors: VectorIndex;
  /** Runs a synchronous read with the store's error mapping (closed store, SQLite errors). */
  guard<T>(fn: () => T): T;
}

/** What in-process callers may add to a search request (never on the wire). */
export interface InternalSearchParams {
  /** A query embedding computed by the caller. */
  embedding?: Float32Array | number[];
  /** false: hits without snippets (a caller that only wants the ranked ids, such as search_nodes). */
  snippets?: boolean;
}

export interface SearchOutcome {
  result: MemorySearchResult;
  /** Rowids of the hits returned, for the caller's access-time bump. */
  rowids: number[];
}

export class MemorySearch {
  private readonly full: FullRanking;
  private readonly topK: ExactTopK;
  private readonly rowsByRowid;
  private readonly byRowid;
  /** Runs a read in one read transaction (WAL: it never waits for a writer and a writer never waits for it). */
  private readonly snapshot: (fn: () => unknown) => unknown;

  constructor(db: Database) {
    this.topK = new ExactTopK(db);
    this.full = new FullRanking(db, this.topK);
    this.rowsByRowid = db.prepare('SELECT * FROM memories WHERE rowid IN (SELECT value FROM json_each(?))');
    this.byRowid = db.prepare('SELECT * FROM memories WHERE rowid = ?');
    this.snapshot = db.transaction((fn: () => unknown) => fn());
  }

  async search(params: MemorySearchParams & InternalSearchParams, ctx: SearchContext): Promise<SearchOutcome> {
    if (typeof params !== 'object' || params === null) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'search needs { query }.');
    const opts = searchOptions(params);
    const parsed = parseQuery(params.query, { prefixLast: opts.prefixLast });
    let warning: string | undefined;
    let queryVector: Float32Array | null = params.embedding ? normalize(params.embedding) : null;
    if (!queryVector && ctx.embedder && ctx.guard(() => ctx.vectors.hasEntries())) {
      try {
        [queryVector] = (await ctx.embedder.embed([params.query])).map(normalize);
      } catch (err) {
        warning = `Full-text results only: ${ctx.embedder.description} failed (${(err as Error).message}).`;
      }
    }
    // One snapshot for every statement of the ranking: another process's import may merge segments meanwhile (a
    // phrase's verification reads for a while), and lists read after the merge would miss the old segments' memories.
    return ctx.guard(() => this.snapshot(() => this.rankAndRead(params, opts, parsed, queryVector, warning, ctx)) as SearchOutcome);
  }

  private rankAndRead(
    params: MemorySearchParams & InternalSearchParams,
    opts: ReturnType<typeof searchOptions>,
    parsed: ReturnType<typeof parseQuery>,
    queryVector: Float32Array | null,
    warning: string | undefined,
    ctx: SearchContext,
  ): SearchOutcome {
    const take = opts.offset + opts.limit + 1;
    const filtered = hasFilters(opts.filters);
    // Plain words without filters: the exact top-k over the words' postings. Phrases, prefixes and filters: the
    // same top-k over each clause's lists (exact too, and the filters are applied before the cut, never after it).
    const scored = !filtered && ExactTopK.handles(parsed) ? this.topK.top(parsed, take) : this.full.rank(parsed, opts.filters, filtered, take);
    const best = scored[0];
    let ranked: RankedRow[] = this.readRows(scored).map(({ row, s }) => ({ row, score: relativeScore(s, best!) }));
    let mode = 'fts';
    if (queryVector) {
      const vec = ctx.vectors.topK(queryVector, Math.max(take, 50));
      ranked = fuse(ranked, vec, opts.filters, (rowid) => this.byRowid.get(rowid) as Row | undefined);
      mode = scored.length ? 'hybrid' : 'vector';
    }
    ranked = ranked.filter((h) => h.score >= opts.minScore);
    const page = ranked.slice(opts.offset, opts.offset + opts.limit);
    const hits: MemoryHit[] = page.map((h) => {
      const s = params.snippets === false ? null : snippet(h.row.content, parsed.clauses);
      return { ...toRecord(h.row), score: Math.round(h.score * 1e4) / 1e4, ...(s ? { snippet: s } : {}) };
    });
    const more = ranked.length > opts.offset + opts.limit;
    const result: MemorySearchResult = {
      hits,
      nextCursor: more ? encodeCursor(opts.offset + opts.limit, opts.key) : null,
      mode,
      ...(warning ? { warning } : {}),
    };
    return { result, rowids: page.map((h) => h.row.rowid) };
  }

  /** The rows of scored hits, in their order (a hit deleted meanwhile is skipped). */
  private readRows(scored: Scored[]): { row: Row; s: Scored }[] {
    if (!scored.length) return [];
    const rows = new Map((this.rowsByRowid.all(JSON.stringify(scored.map((s) => s.rowid))) as Row[]).map((r) => [r.rowid, r]));
    return scored.flatMap((s) => {
      const row = rows.get(s.rowid);
      return row ? [{ row, s }] : [];
    });
  }
}
