// search_nodes: entities ranked by the memory store's own search over their texts (best first), then every other
// entity that server-memory's rule would find (the query as a case-insensitive substring of a name, type or
// observation), in creation order. So it finds at least what server-memory finds, with the best matches first.
import { createHash } from 'node:crypto';
import { WardenError } from '../../../shared/errors';
import { MAX_LIMIT } from '../store';
import { ENTITY_CATEGORY } from './entityIndex';
import type { GraphStore } from './graphStore';
import type { GraphPage } from './graphTypes';
import { decodeCursor, encodeCursor, PAGE_MAX_ITEMS, PageFiller } from './pageBudget';

interface SearchCursor extends Record<string, unknown> {
  q: string;
  o: number;
}

const isSearchCursor = (v: Record<string, unknown>): v is SearchCursor => typeof v.q === 'string' && Number.isInteger(v.o) && (v.o as number) >= 0;

// Queries of 3+ characters go through the trigram index (kg_substrings); shorter ones, which it cannot serve, scan
// the rows. The scan folds case as server-memory does (JavaScript's toLowerCase) for non-ASCII queries, and with
// SQLite's lower() (C speed) for ASCII ones. A union, not EXISTS per entity: one pass over the observations.
const TRIGRAM_SQL = `
  SELECT DISTINCT CASE WHEN s.rowid < 0 THEN (-s.rowid) / 2 ELSE o.entity_id END AS entity
  FROM kg_substrings s LEFT JOIN kg_observations o ON o.id = s.rowid
  WHERE kg_substrings MATCH @m ORDER BY entity LIMIT @limit`;
const SCAN_SQL = (lower: string) => `
  SELECT id FROM kg_entities WHERE instr(${lower}(name), @q) > 0 OR instr(${lower}(entity_type), @q) > 0
  UNION
  SELECT entity_id FROM kg_observations WHERE instr(${lower}(content), @q) > 0
  ORDER BY 1 LIMIT @limit`;

export class GraphSearch {
  private readonly trigram;
  private readonly scanAscii;
  private readonly scanUnicode;

  constructor(private readonly graph: GraphStore) {
    graph.db.function('kg_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
    this.trigram = graph.db.prepare(TRIGRAM_SQL).pluck();
    this.scanAscii = graph.db.prepare(SCAN_SQL('lower')).pluck();
    this.scanUnicode = graph.db.prepare(SCAN_SQL('kg_lower')).pluck();
  }

  /** Entity ids whose name, type or an observation contains the query, ignoring case; in creation order. */
  private substringMatches(query: string, limit: number): number[] {
    if ([...query].length >= 3) return this.trigram.all({ m: `"${query.replace(/"/g, '""')}"`, limit }) as number[];
    const q = query.toLowerCase();
    return (/^[\x00-\x7f]*$/.test(q) ? this.scanAscii : this.scanUnicode).all({ q, limit }) as number[];
  }

  async search(query: string, cursor?: string): Promise<GraphPage> {
    const key = createHash('sha1').update(query).digest('hex').slice(0, 8);
    const offset = cursor ? decodeCursor(cursor, (v): v is SearchCursor => isSearchCursor(v) && v.q === key).o : 0;
    let rankedMemories: string[] = [];
    try {
      // Ranked hits as far as this page can reach (pages past the store's limit continue with substring matches).
      // Only the ids are used: no snippets (they were a fifth of a search_nodes call at 100k).
      const r = await this.graph.store.search({ query, limit: Math.min(MAX_LIMIT, offset + PAGE_MAX_ITEMS + 1), category: ENTITY_CATEGORY, snippets: false });
      rankedMemories = r.hits.map((h) => h.id);
    } catch (err) {
      // A query with no words (punctuation only, or empty) ranks nothing; the substring pass still answers it.
      if (!(err instanceof WardenError && err.code === 'MEMORY_INVALID_ARGUMENT')) throw err;
    }
    return this.graph.read(() => {
      const ranked = [...new Set(this.graph.entitiesForMemories(rankedMemories))];
      const wanted = offset + PAGE_MAX_ITEMS + 1;
      let ids = ranked;
      if (ranked.length < wanted) {
        const seen = new Set(ranked);
        const rest = this.substringMatches(query, wanted + ranked.length).filter((id) => !seen.has(id));
        ids = ranked.concat(rest);
      }
      const page = new PageFiller<{ name: string; entityType: string; observations: string[] }>();
      let taken = 0;
      const slice = ids.slice(offset, offset + PAGE_MAX_ITEMS + 1);
      for (const e of this.graph.withObservations(this.graph.entitiesByIds(slice))) {
        if (!page.add({ name: e.name, entityType: e.entityType, observations: e.observations })) break;
        taken++;
      }
      const entities = page.items;
      const out: GraphPage = { entities, relations: this.graph.relationsTouching(entities.map((e) => e.name)) };
      if (offset + taken < ids.length) out.nextCursor = encodeCursor({ q: key, o: offset + taken } satisfies SearchCursor);
      return out;
    });
  }
}
