// Ranks the memories that match a query with phrases, prefixes or filters, exactly, over the store's own segments
// (no FTS5 since schema v13): each clause's lists per segment (clauseLists.ts), its document frequency counted from
// them (a term's is stored), then the exact top-k of topK.ts. Filters are applied before the cut, never after it:
// the best matches are checked against the filter in rank order until the page is full, ranking 8 times deeper each
// time too few of them pass (the top k of a deeper ranking starts with the top k of a shallower one).
import type { Database } from '../db';
import { ClauseLists } from './clauseLists';
import { clauseCount } from './clauseText';
import type { Filters } from './options';
import type { ParsedQuery } from './query';
import { idf, type Scored } from './scoring';
import { scoreText, type ExactTopK, type Part } from './topK';

const FILTER_SQL = `(@category IS NULL OR m.category = @category)
  AND (@workspace IS NULL OR m.workspace = @workspace)
  AND (@since IS NULL OR m.updated_at >= @since)
  AND (@until IS NULL OR m.updated_at <= @until)
  AND NOT EXISTS (SELECT 1 FROM json_each(@tags) t WHERE instr(m.tags, t.value) = 0)`;

/** The first pass of a filtered search ranks this many times the page before checking the filter; each next, 8 times more. */
const FILTER_FIRST_PASS_FACTOR = 4;
const FILTER_DEEPER_FACTOR = 8;
/** Rowids checked against the filter per statement. */
const FILTER_CHUNK = 1024;

export function filterParams(f: Filters) {
  return { category: f.category, workspace: f.workspace, since: f.since, until: f.until, tags: JSON.stringify(f.tagPatterns) };
}

export class FullRanking {
  private readonly lists: ClauseLists;
  private readonly passing;

  constructor(
    db: Database,
    private readonly topK: ExactTopK,
  ) {
    this.lists = new ClauseLists(db, topK.segments);
    this.passing = db.prepare(`SELECT m.rowid FROM memories m WHERE m.rowid IN (SELECT value FROM json_each(@ids)) AND ${FILTER_SQL}`).pluck();
  }

  /** The best `take` matches (that pass the filters when `filtered`), in the store's order. */
  rank(q: ParsedQuery, filters: Filters, filtered: boolean, take: number): Scored[] {
    this.topK.lastStats = { postingsRead: 0, scored: 0, exhaustive: false };
    const view = this.topK.view();
    if (!view || take <= 0) return [];
    const parts: Part[] = view.segments.map(({ s, stale }) => ({ s, stale, dls: null, lists: q.clauses.map((c) => this.lists.list(s, c)) }));
    // A term's frequency is stored; a prefix's or a phrase's is counted: live postings plus memories read from text.
    const idfs = q.clauses.map((c, i) =>
      idf(view.stats, c.kind === 'term' ? this.topK.termDf(c.stems[0]!) : this.topK.listDf(parts, i) + view.fromText.filter((m) => clauseCount(c, m.text) > 0).length),
    );
    const pool = view.fromText.map((m) => scoreText(m.rowid, q.clauses, idfs, m.text, view.avgdl)).filter((x) => x.matched);
    if (!filtered) return this.topK.rank(parts, idfs, view.avgdl, pool, take);
    const params = filterParams(filters);
    const page: Scored[] = [];
    let checked = 0;
    for (let depth = take * FILTER_FIRST_PASS_FACTOR; ; depth *= FILTER_DEEPER_FACTOR) {
      const ranked = this.topK.rank(parts, idfs, view.avgdl, pool, depth);
      // Only the memories past those already checked: the ranking is deterministic, so it starts as the last one did.
      this.keepPassing(ranked, checked, params, take, page);
      checked = ranked.length;
      // Fewer than asked for: every match was ranked.
      if (page.length === take || ranked.length < depth) return page;
    }
  }

  /** Adds to `page` the memories of ranked[from..] (in order) that pass the filter, until it holds `take`. */
  private keepPassing(ranked: Scored[], from: number, params: ReturnType<typeof filterParams>, take: number, page: Scored[]): void {
    for (let at = from; at < ranked.length && page.length < take; at += FILTER_CHUNK) {
      const chunk = ranked.slice(at, at + FILTER_CHUNK);
      const pass = new Set(this.passing.all({ ids: JSON.stringify(chunk.map((s) => s.rowid)), ...params }) as number[]);
      for (const s of chunk) if (pass.has(s.rowid) && page.length < take) page.push(s);
    }
  }
}
