// The knowledge graph's writes and reads over its SQLite tables, with server-memory's semantics (what is new, what
// is skipped, which error ends a call). Each write is one IMMEDIATE transaction that reads the current rows and
// changes them, so two processes writing at once both keep their writes (server-memory rewrites a whole file from
// the copy it read, and the later writer drops the other's changes).
import { WardenError } from '../../../shared/errors';
import type { Database } from '../db';
import { MAX_CONTENT_BYTES, type MemoryStore } from '../store';
import { EntityIndex } from './entityIndex';
import type { Entity, Relation } from './graphTypes';

export const MAX_NAME_CHARS = 1000;
export const MAX_TYPE_CHARS = 256;
/** Relations returned with one page of entities (a hub entity can have any number). */
export const MAX_RELATIONS_PER_PAGE = 1000;

export interface EntityRow {
  id: number;
  name: string;
  entityType: string;
}

function check(value: string, what: string, max: number): void {
  if (value.length > max) throw new WardenError('MEMORY_INVALID_ARGUMENT', `${what} is ${value.length} characters; the limit is ${max}.`);
}

function checkObservation(o: string): void {
  if (o.length * 3 > MAX_CONTENT_BYTES && Buffer.byteLength(o) > MAX_CONTENT_BYTES) {
    throw new WardenError('MEMORY_INVALID_ARGUMENT', `An observation is ${Buffer.byteLength(o)} bytes; the limit is ${MAX_CONTENT_BYTES} bytes. Save a summary instead.`);
  }
}

export class GraphStore {
  readonly db: Database;
  private readonly index: EntityIndex;
  private readonly s;

  constructor(readonly store: MemoryStore) {
    this.db = store.database;
    this.index = new EntityIndex(store, this.db);
    const db = this.db;
    this.s = {
      entityByName: db.prepare('SELECT id, doc_id AS docId FROM kg_entities WHERE name = ?'),
      insertEntity: db.prepare('INSERT INTO kg_entities (name, entity_type) VALUES (?, ?)'),
      insertObservation: db.prepare('INSERT INTO kg_observations (entity_id, content) VALUES (?, ?)'),
      observationsOf: db.prepare('SELECT content FROM kg_observations WHERE entity_id = ? ORDER BY id').pluck(),
      deleteObservation: db.prepare('DELETE FROM kg_observations WHERE entity_id = ? AND content = ?'),
      deleteEntity: db.prepare('DELETE FROM kg_entities WHERE id = ?'),
      insertRelation: db.prepare('INSERT INTO kg_relations (from_name, to_name, relation_type) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      deleteRelation: db.prepare('DELETE FROM kg_relations WHERE from_name = ? AND to_name = ? AND relation_type = ?'),
      deleteRelationsOf: db.prepare('DELETE FROM kg_relations WHERE from_name = ? OR to_name = ?'),
      entitiesAfter: db.prepare('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE id > ? ORDER BY id LIMIT ?'),
      entitiesByIds: db.prepare('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE id IN (SELECT value FROM json_each(?))'),
      entitiesByNames: db.prepare('SELECT id, name, entity_type AS entityType FROM kg_entities WHERE name IN (SELECT value FROM json_each(?)) ORDER BY id'),
      observationsOfMany: db.prepare('SELECT entity_id AS entityId, content FROM kg_observations WHERE entity_id IN (SELECT value FROM json_each(?)) ORDER BY id'),
      relationsAfter: db.prepare('SELECT id, from_name AS "from", to_name AS "to", relation_type AS relationType FROM kg_relations WHERE id > ? ORDER BY id LIMIT ?'),
      relationsTouching: db.prepare(
        `SELECT from_name AS "from", to_name AS "to", relation_type AS relationType FROM kg_relations
         WHERE from_name IN (SELECT value FROM json_each(@names)) OR to_name IN (SELECT value FROM json_each(@names))
         ORDER BY id LIMIT @limit`,
      ),
      maxEntityId: db.prepare('SELECT coalesce(max(id), 0) FROM kg_entities').pluck(),
      maxObservationId: db.prepare('SELECT coalesce(max(id), 0) FROM kg_observations').pluck(),
      // New rows get ids above every existing one (no deletes in the same call), so ">= first new id" is exactly them.
      indexEntitiesFrom: db.prepare('INSERT INTO kg_substrings (rowid, text) SELECT -2 * id, name FROM kg_entities WHERE id >= @from UNION ALL SELECT -2 * id - 1, entity_type FROM kg_entities WHERE id >= @from'),
      indexObservationsFrom: db.prepare('INSERT INTO kg_substrings (rowid, text) SELECT id, content FROM kg_observations WHERE id >= ?'),
    };
  }

  /**
   * One IMMEDIATE transaction: `fn` changes rows and names the entities it touched; then the new rows go into the
   * substring index and the touched entities' memories are rewritten, each once per call.
   */
  private write<T>(fn: (touched: Set<number>) => T): T {
    return this.db
      .transaction(() => {
        const firstEntity = (this.s.maxEntityId.get() as number) + 1;
        const firstObservation = (this.s.maxObservationId.get() as number) + 1;
        const touched = new Set<number>();
        const result = fn(touched);
        this.s.indexEntitiesFrom.run({ from: firstEntity });
        this.s.indexObservationsFrom.run(firstObservation);
        if (touched.size) this.index.refresh([...touched]);
        return result;
      })
      .immediate();
  }

  /** New entities (names not in the graph yet; a name given twice in one call is created once), as given. */
  createEntities(entities: readonly Entity[]): Entity[] {
    for (const e of entities) {
      check(e.name, 'An entity name', MAX_NAME_CHARS);
      check(e.entityType, 'An entity type', MAX_TYPE_CHARS);
      e.observations.forEach(checkObservation);
    }
    return this.write((touched) => {
      const created: Entity[] = [];
      for (const e of entities) {
        if (this.s.entityByName.get(e.name)) continue;
        const id = Number(this.s.insertEntity.run(e.name, e.entityType).lastInsertRowid);
        for (const o of e.observations) this.s.insertObservation.run(id, o);
        touched.add(id);
        created.push(e);
      }
      return created;
    });
  }

  /** New relations (not in the graph yet), as given. Like server-memory, the ends need not exist. */
  createRelations(relations: readonly Relation[]): Relation[] {
    for (const r of relations) {
      check(r.from, 'A relation end', MAX_NAME_CHARS);
      check(r.to, 'A relation end', MAX_NAME_CHARS);
      check(r.relationType, 'A relation type', MAX_TYPE_CHARS);
    }
    return this.write(() => relations.filter((r) => this.s.insertRelation.run(r.from, r.to, r.relationType).changes > 0));
  }

  /** Adds each entity's observations that it does not have yet; an unknown entity fails the whole call. */
  addObservations(items: readonly { entityName: string; contents: string[] }[]): { entityName: string; addedObservations: string[] }[] {
    for (const i of items) i.contents.forEach(checkObservation);
    return this.write((touched) =>
      items.map((item) => {
        const e = this.s.entityByName.get(item.entityName) as { id: number } | undefined;
        // server-memory's exact message, as a plain Error: McpServer turns it into the same tool error text.
        if (!e) throw new Error(`Entity with name ${item.entityName} not found`);
        const existing = new Set(this.s.observationsOf.all(e.id) as string[]);
        const added = item.contents.filter((c) => !existing.has(c));
        for (const o of added) this.s.insertObservation.run(e.id, o);
        if (added.length) touched.add(e.id);
        return { entityName: item.entityName, addedObservations: added };
      }),
    );
  }

  /** Deletes the entities, their observations and every relation from or to them; unknown names are ignored. */
  deleteEntities(names: readonly string[]): void {
    this.write(() => {
      for (const name of names) {
        const e = this.s.entityByName.get(name) as { id: number; docId: string | null } | undefined;
        if (e) {
          this.index.remove(e.docId);
          this.s.deleteEntity.run(e.id);
        }
        this.s.deleteRelationsOf.run(name, name);
      }
    });
  }

  deleteObservations(deletions: readonly { entityName: string; observations: string[] }[]): void {
    this.write((touched) => {
      for (const d of deletions) {
        const e = this.s.entityByName.get(d.entityName) as { id: number } | undefined;
        if (!e) continue;
        let changed = 0;
        for (const o of d.observations) changed += this.s.deleteObservation.run(e.id, o).changes;
        if (changed) touched.add(e.id);
      }
    });
  }

  deleteRelations(relations: readonly Relation[]): void {
    this.write(() => {
      for (const r of relations) this.s.deleteRelation.run(r.from, r.to, r.relationType);
    });
  }

  /** Entities with their observations, in the order of `rows`. */
  withObservations(rows: readonly EntityRow[]): (Entity & { id: number })[] {
    const byId = new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, entityType: r.entityType, observations: [] as string[] }]));
    const obs = this.s.observationsOfMany.all(JSON.stringify(rows.map((r) => r.id))) as { entityId: number; content: string }[];
    for (const o of obs) byId.get(o.entityId)!.observations.push(o.content);
    return rows.map((r) => byId.get(r.id)!);
  }

  entitiesAfter(afterId: number, limit: number): EntityRow[] {
    return this.s.entitiesAfter.all(afterId, limit) as EntityRow[];
  }

  /** Entity rows for ids, in the order of the ids given. */
  entitiesByIds(ids: readonly number[]): EntityRow[] {
    const rows = new Map((this.s.entitiesByIds.all(JSON.stringify(ids)) as EntityRow[]).map((r) => [r.id, r]));
    return ids.map((id) => rows.get(id)).filter((r): r is EntityRow => r !== undefined);
  }

  entitiesByNames(names: readonly string[]): EntityRow[] {
    return this.s.entitiesByNames.all(JSON.stringify(names)) as EntityRow[];
  }

  relationsAfter(afterId: number, limit: number): (Relation & { id: number })[] {
    return this.s.relationsAfter.all(afterId, limit) as (Relation & { id: number })[];
  }

  /** Relations from or to any of these entities (server-memory's rule for search_nodes and open_nodes), bounded. */
  relationsTouching(names: readonly string[]): Relation[] {
    if (!names.length) return [];
    return this.s.relationsTouching.all({ names: JSON.stringify(names), limit: MAX_RELATIONS_PER_PAGE }) as Relation[];
  }

  /** Memory ids (search hits) to entity ids, in rank order. */
  entitiesForMemories(memoryIds: readonly string[]): number[] {
    return this.index.entitiesFor(memoryIds);
  }

  /** Runs reads in one read transaction, so a page is consistent while other processes write. */
  read<T>(fn: () => T): T {
    return this.db.transaction(fn).deferred();
  }
}
