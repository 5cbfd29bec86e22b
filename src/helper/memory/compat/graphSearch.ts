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

// ASCII queries use SQLite's lower() (C speed); others JavaScript's toLowerCase, as server-memory does.
const SUBSTRING_SQL = (lower: string) => `
  SELECT e.id FROM kg_entities e
  WHERE instr(${lower}(e.name), @q) > 0 OR instr(${lower}(e.entity_type), @q) > 0
     OR EXISTS (SELECT 1 FROM kg_observations o WHERE o.entity_id = e.id AND instr(${lower}(o.content), @q) > 0)
  ORDER BY e.id LIMIT @limit`;

export class GraphSearch {
  private readonly substringAscii;
  private readonly substringUnicode;

  constructor(private readonly graph: GraphStore) {
    graph.db.function('kg_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
    this.substringAscii = graph.db.prepare(SUBSTRING_SQL('lower')).pluck();
    this.substringUnicode = graph.db.prepare(SUBSTRING_SQL('kg_lower')).pluck();
  }

  async search(query: string, cursor?: string): Promise<GraphPage> {
    const key = createHash('sha1').update(query).digest('hex').slice(0, 8);
    const offset = cursor ? decodeCursor(cursor, (v): v is SearchCursor => isSearchCursor(v) && v.q === key).o : 0;
    let rankedMemories: string[] = [];
    try {
      const r = await this.graph.store.search({ query, limit: MAX_LIMIT, category: ENTITY_CATEGORY });
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
        const q = query.toLowerCase();
        const stmt = /^[\x00-\x7f]*$/.test(q) ? this.substringAscii : this.substringUnicode;
        const seen = new Set(ranked);
        const rest = (stmt.all({ q, limit: wanted + ranked.length }) as number[]).filter((id) => !seen.has(id));
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
