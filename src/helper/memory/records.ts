// A memory's row as SQLite holds it and as the protocol sends it: the column types, the tag encoding, the conversion.
import { WardenError } from '../../shared/errors';
import type { MemoryRecord } from '../../shared/protocol';

export const MAX_TAGS = 32;
export const MAX_TAG_CHARS = 64;
/** Tags are stored as one string, each wrapped in this separator, so "has tag t" is a substring test. */
export const TAG_SEP = '\u001f';

export interface Row {
  rowid: number;
  id: string;
  content: string;
  category: string;
  tags: string;
  importance: number;
  source: string;
  workspace: string;
  created_at: number;
  updated_at: number;
  accessed_at: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function toRecord(r: Row): MemoryRecord {
  return {
    id: r.id,
    content: r.content,
    category: r.category,
    tags: r.tags ? r.tags.split(TAG_SEP).filter(Boolean) : [],
    importance: r.importance,
    source: r.source,
    workspace: r.workspace,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    accessedAt: iso(r.accessed_at),
  };
}

export function normalizeTags(tags: unknown): string[] {
  if (tags === undefined || tags === null) return [];
  const list = typeof tags === 'string' ? tags.split(',') : Array.isArray(tags) ? tags : null;
  if (!list || !list.every((t) => typeof t === 'string')) {
    throw new WardenError('MEMORY_INVALID_ARGUMENT', 'tags must be an array of strings or one comma-separated string.');
  }
  const out: string[] = [];
  for (const raw of list as string[]) {
    const t = raw.replace(/[\u0000-\u001f]/g, ' ').trim().toLowerCase();
    if (!t || out.includes(t)) continue;
    if (t.length > MAX_TAG_CHARS) throw new WardenError('MEMORY_INVALID_ARGUMENT', `The tag "${t.slice(0, 20)}…" is longer than ${MAX_TAG_CHARS} characters.`);
    out.push(t);
  }
  if (out.length > MAX_TAGS) throw new WardenError('MEMORY_INVALID_ARGUMENT', `At most ${MAX_TAGS} tags per memory (got ${out.length}).`);
  return out;
}

export function tagsColumn(tags: string[]): string {
  return tags.length ? `${TAG_SEP}${tags.join(TAG_SEP)}${TAG_SEP}` : '';
}
