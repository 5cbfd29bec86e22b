// Validates a search request's options (limit, filters, minScore, cursor) into plain values, with sentences for
// bad ones. The cursor names its search, so a cursor from another query is refused instead of paging nonsense.
import { createHash } from 'node:crypto';
import { WardenError } from '../../../shared/errors';
import type { MemorySearchParams } from '../../../shared/protocol';
import { normalizeTags, TAG_SEP } from '../records';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1000;
/** Deepest result a cursor can page to: the top (offset + limit) is what a search ranks. */
export const MAX_OFFSET = 10_000;

/** Filters a caller asks for; all optional, all exact (applied before ranking, never a silent cut). */
export interface Filters {
  category: string | null;
  workspace: string | null;
  /** updated_at bounds in ms, inclusive. */
  since: number | null;
  until: number | null;
  /** Each wrapped in TAG_SEP, as the tags column stores them. */
  tagPatterns: string[];
}

export interface SearchOptions {
  limit: number;
  offset: number;
  minScore: number;
  prefixLast: boolean;
  filters: Filters;
  /** Identifies the search for its cursors. */
  key: string;
}

export function checkLimit(v: unknown): number {
  if (v === undefined || v === null) return DEFAULT_LIMIT;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new WardenError('MEMORY_INVALID_ARGUMENT', `limit must be a whole number from 1 to ${MAX_LIMIT}.`);
  return Math.min(v, MAX_LIMIT);
}

function time(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new WardenError('MEMORY_INVALID_ARGUMENT', `${field} must be an ISO-8601 time such as 2026-01-31 or 2026-01-31T12:00:00Z (got ${JSON.stringify(v)}).`);
  return ms;
}

function optionalString(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new WardenError('MEMORY_INVALID_ARGUMENT', `${field} must be a string.`);
  return v;
}

interface Cursor {
  o: number;
  q: string;
}

export function encodeCursor(offset: number, key: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: key } satisfies Cursor)).toString('base64url');
}

export function searchOptions(params: MemorySearchParams): SearchOptions {
  const limit = checkLimit(params.limit);
  const tags = normalizeTags(params.tags);
  const minScore = params.minScore ?? 0;
  if (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1)) throw new WardenError('MEMORY_INVALID_ARGUMENT', 'minScore must be a number from 0 to 1 (a fraction of the best hit\'s score).');
  if (params.prefix !== undefined && typeof params.prefix !== 'boolean') throw new WardenError('MEMORY_INVALID_ARGUMENT', 'prefix must be true or false.');
  const category = optionalString(params.category, 'category');
  const filters: Filters = {
    category: category ? category.toLowerCase() : null,
    workspace: optionalString(params.workspace, 'workspace'),
    since: time(params.since, 'since'),
    until: time(params.until, 'until'),
    tagPatterns: tags.map((t) => `${TAG_SEP}${t}${TAG_SEP}`),
  };
  const prefixLast = params.prefix === true;
  const key = createHash('sha1').update(JSON.stringify([params.query, filters, minScore, prefixLast])).digest('hex').slice(0, 8);
  let offset = 0;
  if (params.cursor !== undefined && params.cursor !== null && params.cursor !== '') {
    try {
      const c = JSON.parse(Buffer.from(String(params.cursor), 'base64url').toString('utf8')) as Cursor;
      if (c.q !== key || !Number.isInteger(c.o) || c.o < 0 || c.o > MAX_OFFSET) throw new Error('mismatch');
      offset = c.o;
    } catch {
      throw new WardenError('MEMORY_INVALID_ARGUMENT', 'The cursor does not belong to this search (same query, filters and minScore); repeat the search without it.');
    }
  }
  return { limit, offset, minScore, prefixLast, filters, key };
}

export function hasFilters(f: Filters): boolean {
  return f.category !== null || f.workspace !== null || f.since !== null || f.until !== null || f.tagPatterns.length > 0;
}
