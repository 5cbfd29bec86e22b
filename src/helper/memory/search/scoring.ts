// The store's relevance order, in one place: memories matching more of the query's clauses first, then BM25
// (FTS5's formula: k1 1.2, b 0.75, over body and tags), then newer first. Scores shown are relative to the best hit.
export interface Scored {
  rowid: number;
  /** How many of the query's clauses the memory matches. */
  matched: number;
  /** BM25, higher is better (FTS5's bm25() negated). */
  bm25: number;
}

/** Sort order: matched desc, bm25 desc, rowid desc (deterministic: rowids are unique). */
export function compareScored(a: Scored, b: Scored): number {
  return b.matched - a.matched || b.bm25 - a.bm25 || b.rowid - a.rowid;
}

/**
 * The score shown for a hit, relative to the best one (1): a memory in tier m (matching m clauses) scores in
 * [(m-1)/M, m/M] where M is the best hit's tier, placed in it by its BM25 as a fraction of the best hit's. For a
 * one-word query that is simply BM25 / best BM25. It never increases down the ranking, so minScore is a clean cut.
 */
export function relativeScore(s: Scored, best: Scored): number {
  const fraction = best.bm25 > 0 ? Math.min(1, s.bm25 / best.bm25) : 1;
  return (s.matched - 1 + fraction) / best.matched;
}
