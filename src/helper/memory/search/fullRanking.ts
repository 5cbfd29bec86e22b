// Ranks every memory that matches a query with FTS5 (no cut): the exact order, at the cost of reading every match.
// Used for phrase and prefix queries and as the reference the exact top-k path is tested and benchmarked against.
import type { Database } from '../db';
import type { Filters } from './options';
import type { ParsedQuery } from './query';
import { compareScored, type Scored } from './scoring';

const FILTER_SQL = `(@category IS NULL OR m.category = @category)
  AND (@workspace IS NULL OR m.workspace = @workspace)
  AND (@since IS NULL OR m.updated_at >= @since)
  AND (@until IS NULL OR m.updated_at <= @until)
  AND NOT EXISTS (SELECT 1 FROM json_each(@tags) t WHERE instr(m.tags, t.value) = 0)`;

export function filterParams(f: Filters) {
  return { category: f.category, workspace: f.workspace, since: f.since, until: f.until, tags: JSON.stringify(f.tagPatterns) };
}

export class FullRanking {
  private readonly scores;
  private readonly scoresFiltered;
  private readonly clauseRowids;
  private readonly topOne;
  private readonly topOneFiltered;

  constructor(db: Database) {
    this.scores = db.prepare('SELECT rowid, -bm25(memories_fts) AS bm25 FROM memories_fts WHERE memories_fts MATCH ?').raw(true);
    this.scoresFiltered = db
      .prepare(`SELECT f.rowid, -bm25(memories_fts) AS bm25 FROM memories_fts f JOIN memories m ON m.rowid = f.rowid WHERE memories_fts MATCH @match AND ${FILTER_SQL}`)
      .raw(true);
    this.clauseRowids = db.prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?').pluck();
    // One clause: every match is in the same tier, so SQLite's sorter keeps the top `take` (ties newest first).
    this.topOne = db.prepare('SELECT rowid, -bm25(memories_fts) AS bm25 FROM memories_fts WHERE memories_fts MATCH ? ORDER BY bm25(memories_fts), rowid DESC LIMIT ?').raw(true);
    this.topOneFiltered = db
      .prepare(`SELECT f.rowid, -bm25(memories_fts) AS bm25 FROM memories_fts f JOIN memories m ON m.rowid = f.rowid WHERE memories_fts MATCH @match AND ${FILTER_SQL} ORDER BY bm25(memories_fts), f.rowid DESC LIMIT @take`)
      .raw(true);
  }

  /** The best `take` matches, in the store's order (every match is scored). */
  rank(q: ParsedQuery, filters: Filters, filtered: boolean, take: number): Scored[] {
    if (q.clauses.length === 1) {
      const rows = (filtered ? this.topOneFiltered.all({ match: q.match, take, ...filterParams(filters) }) : this.topOne.all(q.match, take)) as [number, number][];
      return rows.map(([rowid, bm25]) => ({ rowid, bm25, matched: 1 }));
    }
    const rows = (filtered ? this.scoresFiltered.all({ match: q.match, ...filterParams(filters) }) : this.scores.all(q.match)) as [number, number][];
    const matched = new Map<number, number>();
    if (q.clauses.length > 1) {
      for (const c of q.clauses) for (const rowid of this.clauseRowids.iterate(c.fts) as IterableIterator<number>) matched.set(rowid, (matched.get(rowid) ?? 0) + 1);
    }
    const out: Scored[] = rows.map(([rowid, bm25]) => ({ rowid, bm25, matched: q.clauses.length > 1 ? matched.get(rowid) ?? 1 : 1 }));
    return out.sort(compareScored).slice(0, take);
  }
}
