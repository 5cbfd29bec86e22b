// How much one read_graph or search_nodes answer may hold, and the opaque cursors that continue it. A graph that
// fits is returned whole, exactly as server-memory would; a larger one comes in pages with `nextCursor`, so a
// client that ignores it still gets a bounded answer (server-memory's read_graph grows with the graph).
import { WardenError } from '../../../shared/errors';

/** About 16k tokens of JSON per answer; at least one item is always returned. */
export const PAGE_BYTES = 64 * 1024;
export const PAGE_MAX_ITEMS = 500;

export class PageFiller<T> {
  readonly items: T[] = [];
  private bytes = 0;

  /** Adds the item if it fits (the first one always does); false when the page is full. */
  add(item: T): boolean {
    const size = JSON.stringify(item).length;
    if (this.items.length && (this.bytes + size > PAGE_BYTES || this.items.length >= PAGE_MAX_ITEMS)) return false;
    this.items.push(item);
    this.bytes += size;
    return true;
  }
}

export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The cursor's fields, or a clear error for one that is not ours (or belongs to another query). */
export function decodeCursor<T extends Record<string, unknown>>(cursor: string, valid: (v: Record<string, unknown>) => v is T): T {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (v && typeof v === 'object' && valid(v)) return v;
  } catch {
    // reported below
  }
  throw new WardenError('MEMORY_INVALID_ARGUMENT', 'The cursor does not belong to this call; repeat it without a cursor to start from the first page.');
}
