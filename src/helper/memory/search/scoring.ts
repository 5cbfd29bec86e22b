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

/** FTS5's bm25() constants. */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

export interface CorpusStats {
  /** Memories indexed. */
  docs: number;
  /** Their tokens, all together. */
  tokens: number;
}

/** FTS5's idf: log((N - n + 0.5) / (n + 0.5)), and 1e-6 where that is not positive (terms in over half the rows). */
export function idf(stats: CorpusStats, df: number): number {
  const v = Math.log((stats.docs - df + 0.5) / (df + 0.5));
  return v > 0 ? v : 1e-6;
}

/** One term's BM25 contribution before idf, for a memory of dl tokens holding the term tf times. */
export function termWeight(tf: number, dl: number, avgdl: number): number {
  return (tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgdl));
}

/** The exact score of a memory for term clauses (idfs given in clause order), summed in clause order. */
export function scoreDoc(rowid: number, idfs: readonly number[], stems: readonly string[], tf: ReadonlyMap<string, number>, dl: number, avgdl: number): Scored {
  let matched = 0;
  let bm25 = 0;
  for (let i = 0; i < stems.length; i++) {
    const f = tf.get(stems[i]!) ?? 0;
    if (f > 0) {
      matched++;
      bm25 += idfs[i]! * termWeight(f, dl, avgdl);
    }
  }
  return { rowid, matched, bm25 };
}
