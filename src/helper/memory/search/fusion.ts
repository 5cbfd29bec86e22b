// Hybrid ranking: full-text and vector hits merged by reciprocal rank fusion, so neither score scale dominates.
// Vector-only hits pass the same filters as full-text ones.
import type { Filters } from './options';
import type { Row } from '../records';

const RRF_K = 60;

export interface RankedRow {
  row: Row;
  /** Relative score: the best hit is 1. */
  score: number;
}

export function passesFilters(row: Row, f: Filters): boolean {
  return (
    (f.category === null || row.category === f.category) &&
    (f.workspace === null || row.workspace === f.workspace) &&
    (f.since === null || row.updated_at >= f.since) &&
    (f.until === null || row.updated_at <= f.until) &&
    f.tagPatterns.every((t) => row.tags.includes(t))
  );
}

/** Fuses text hits (best first) and vector hits (best first); loadRow reads a vector-only hit's row. */
export function fuse(text: RankedRow[], vector: { rowid: number }[], filters: Filters, loadRow: (rowid: number) => Row | undefined): RankedRow[] {
  const fused = new Map<number, RankedRow>();
  text.forEach((h, i) => fused.set(h.row.rowid, { row: h.row, score: 1 / (RRF_K + i + 1) }));
  vector.forEach((h, i) => {
    const prev = fused.get(h.rowid);
    if (prev) prev.score += 1 / (RRF_K + i + 1);
    else {
      const row = loadRow(h.rowid);
      if (row && passesFilters(row, filters)) fused.set(h.rowid, { row, score: 1 / (RRF_K + i + 1) });
    }
  });
  // RRF scores are tiny; rescale so the best hit is 1 and minScore keeps its meaning. Ties: newer first.
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score || b.row.rowid - a.row.rowid);
  const top = ranked[0]?.score ?? 1;
  return ranked.map((h) => ({ row: h.row, score: h.score / top }));
}
