// Ranks the memories that match a query with FTS5's bm25, exactly, for phrase, prefix and filtered queries (the
// exact top-k handles plain words): memories matching every clause rank above all others, so when they fill the
// page only they are scored; otherwise every match is. rankEvery is the reference the faster paths are tested against.
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
  private readonly topByBm25;
  private readonly topByBm25Filtered;

  constructor(db: Database) {
    this.scores = db.prepare('SELECT rowid, -bm25(memories_fts) AS bm25 FROM memories_fts WHERE memories_fts MATCH ?').raw(true);
    this.scoresFiltered = db
      .prepare(`SELECT f.rowid, -bm25(memories_fts) AS bm25 FROM memories_fts f JOIN memories m ON m.rowid = f.rowid WHERE memories_fts MATCH @match AND ${FILTER_SQL}`)
      .raw(true);
    this.clauseRowids = db.prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?').pluck();
    // Matches of one tier (the same number of clauses each) in the store's order: SQLite's sorter keeps the top `take`.
    this.topByBm25 = db.prepare('SELECT rowid, -bm25(memories_fts) AS bm25 FROM memories_fts WHERE memories_fts MATCH ? ORDER BY bm25(memories_fts), rowid DESC LIMIT ?').raw(true);
    this.topByBm25Filtered = db
      .prepare(`SELECT f.rowid, -bm25(memories_fts) AS bm25 FROM memories_fts f JOIN memories m ON m.rowid = f.rowid WHERE memories_fts MATCH @match AND ${FILTER_SQL} ORDER BY bm25(memories_fts), f.rowid DESC LIMIT @take`)
      .raw(true);
  }

  /** The best `take` matches, in the store's order. */
  rank(q: ParsedQuery, filters: Filters, filtered: boolean, take: number): Scored[] {
    const n = q.clauses.length;
    if (n === 1) return this.byBm25(q.match, 1, filters, filtered, take);
    // bm25 gives every clause the same weight in `a AND b` as in `a OR b` (each phrase's idf is over the whole
    // table, its frequency is the row's), so the top tier ranked alone has the scores of the full ranking.
    const all = this.byBm25(q.clauses.map((c) => c.fts).join(' AND '), n, filters, filtered, take);
    if (all.length === take) return all;
    if (n === 2) {
      // Fewer than `take` match both, and those are all of them: every other match matches one clause.
      const both = new Set(all.map((s) => s.rowid));
      const rest = this.byBm25(q.match, 1, filters, filtered, take + all.length).filter((s) => !both.has(s.rowid));
      return [...all, ...rest].slice(0, take);
    }
    return this.rankEvery(q, filters, filtered, take);
  }

  /** Every match scored and counted clause by clause, then sorted: the order `rank` must give. */
  rankEvery(q: ParsedQuery, filters: Filters, filtered: boolean, take: number): Scored[] {
    const rows = (filtered ? this.scoresFiltered.all({ match: q.match, ...filterParams(filters) }) : this.scores.all(q.match)) as [number, number][];
    const matched = new Map<number, number>();
    if (q.clauses.length > 1) {
      for (const c of q.clauses) for (const rowid of this.clauseRowids.iterate(c.fts) as IterableIterator<number>) matched.set(rowid, (matched.get(rowid) ?? 0) + 1);
    }
    const out: Scored[] = rows.map(([rowid, bm25]) => ({ rowid, bm25, matched: q.clauses.length > 1 ? matched.get(rowid) ?? 1 : 1 }));
    return out.sort(compareScored).slice(0, take);
  }

  /** The best `take` matches of an FTS5 expression by bm25 then newest, all counted as matching `matched` clauses. */
  private byBm25(match: string, matched: number, filters: Filters, filtered: boolean, take: number): Scored[] {
    const rows = (filtered ? this.topByBm25Filtered.all({ match, take, ...filterParams(filters) }) : this.topByBm25.all(match, take)) as [number, number][];
    return rows.map(([rowid, bm25]) => ({ rowid, bm25, matched }));
  }
}
