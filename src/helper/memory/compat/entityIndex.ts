// Keeps each knowledge-graph entity searchable through the memory store: one memory per entity holding its name,
// type and observations (category "kg-entity"), rewritten whenever the entity changes, inside the same
// transaction. search_nodes ranks these memories with the store's own search and maps them back to entities.
import { MAX_CONTENT_BYTES, newId, type MemoryStore } from '../store';
import type { Database } from '../db';

export const ENTITY_CATEGORY = 'kg-entity';
const SOURCE = 'server-memory-compat';

/** The text that represents an entity in search, cut to what one memory may hold. */
export function entityText(name: string, entityType: string, observations: readonly string[]): string {
  let text = `${name} (${entityType})`;
  for (const o of observations) {
    if (text.length * 3 > MAX_CONTENT_BYTES && Buffer.byteLength(text) + Buffer.byteLength(o) + 1 > MAX_CONTENT_BYTES) break;
    text += `\n${o}`;
  }
  // One observation alone may be near the limit: cut by bytes, on a character boundary.
  while (Buffer.byteLength(text) > MAX_CONTENT_BYTES) text = text.slice(0, Math.floor(text.length * 0.9));
  return text;
}

export class EntityIndex {
  private readonly stmts;

  constructor(
    private readonly store: MemoryStore,
    db: Database,
  ) {
    this.stmts = {
      entity: db.prepare('SELECT name, entity_type AS entityType, doc_id AS docId FROM kg_entities WHERE id = ?'),
      observations: db.prepare('SELECT content FROM kg_observations WHERE entity_id = ? ORDER BY id').pluck(),
      setDoc: db.prepare('UPDATE kg_entities SET doc_id = ? WHERE id = ?'),
      docExists: db.prepare('SELECT 1 FROM memories WHERE id = ?').pluck(),
      byDocs: db.prepare('SELECT id, doc_id AS docId FROM kg_entities WHERE doc_id IN (SELECT value FROM json_each(?))'),
    };
  }

  /**
   * Rewrites these entities' memories from their rows, all in one batch (call inside the transaction that changed
   * them): one saveMany, so the full-text index is written once per call, not once per entity.
   */
  refresh(entityIds: readonly number[]): void {
    const now = Date.now();
    const docs: { entityId: number; id: string; content: string }[] = [];
    for (const entityId of entityIds) {
      const e = this.stmts.entity.get(entityId) as { name: string; entityType: string; docId: string | null } | undefined;
      if (!e) continue;
      if (e.docId) this.store.delete(e.docId);
      docs.push({ entityId, id: newId(now), content: entityText(e.name, e.entityType, this.stmts.observations.all(entityId) as string[]) });
    }
    if (!docs.length) return;
    this.store.saveMany(docs.map((d) => ({ id: d.id, content: d.content, category: ENTITY_CATEGORY, source: SOURCE })));
    // Not there if the same text is already a memory of someone else's, or the store's bounds evicted it at once:
    // the entity then has no memory, and search_nodes still finds it by its substring pass.
    for (const d of docs) this.stmts.setDoc.run(this.stmts.docExists.get(d.id) ? d.id : null, d.entityId);
  }

  /** Drops the entity's memory (the entity is being deleted). */
  remove(docId: string | null): void {
    if (docId) this.store.delete(docId);
  }

  /** Entity ids for memory ids, in the order given; memories that are no entity's are left out. */
  entitiesFor(memoryIds: readonly string[]): number[] {
    const rows = this.stmts.byDocs.all(JSON.stringify(memoryIds)) as { id: number; docId: string }[];
    const byDoc = new Map(rows.map((r) => [r.docId, r.id]));
    return memoryIds.map((m) => byDoc.get(m)).filter((x): x is number => x !== undefined);
  }
}
