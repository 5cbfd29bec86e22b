// Brings a server-memory user's graph along when they switch: at start-up, the JSONL file named by
// MEMORY_FILE_PATH (the variable their config already sets) is read into the graph tables once, then remembered
// so it is never read again. The file itself is left as it was. Bad lines are counted and skipped.
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeUtf8, LineSplitter } from '../lineSplitter';
import type { GraphStore } from './graphStore';
import type { Entity, Relation } from './graphTypes';

const MAX_LINE_BYTES = 8 * 1024 * 1024;
const BATCH = 1000;

export interface GraphFileImport {
  path: string;
  entities: number;
  relations: number;
  skippedLines: number;
}

function asEntity(v: Record<string, unknown>): Entity | null {
  if (typeof v.name !== 'string' || typeof v.entityType !== 'string' || !Array.isArray(v.observations)) return null;
  return { name: v.name, entityType: v.entityType, observations: v.observations.filter((o): o is string => typeof o === 'string') };
}

function asRelation(v: Record<string, unknown>): Relation | null {
  if (typeof v.from !== 'string' || typeof v.to !== 'string' || typeof v.relationType !== 'string') return null;
  return { from: v.from, to: v.to, relationType: v.relationType };
}

/** Imports the file once per path; null when there is nothing to do (no variable, no file, already imported). */
export async function importGraphFileOnce(graph: GraphStore, memoryFilePath: string | undefined): Promise<GraphFileImport | null> {
  if (!memoryFilePath) return null;
  const path = resolve(memoryFilePath);
  try {
    if (!statSync(path).isFile()) return null;
  } catch {
    return null;
  }
  if (graph.db.prepare('SELECT 1 FROM kg_imported_files WHERE path = ?').get(path)) return null;
  const result: GraphFileImport = { path, entities: 0, relations: 0, skippedLines: 0 };
  let entities: Entity[] = [];
  let relations: Relation[] = [];
  const flush = () => {
    // Entities first, as server-memory's file lists them; creating is idempotent, so a second process importing
    // the same file at the same moment adds nothing twice.
    if (entities.length) result.entities += graph.createEntities(entities).length;
    if (relations.length) result.relations += graph.createRelations(relations).length;
    entities = [];
    relations = [];
  };
  const splitter = new LineSplitter(MAX_LINE_BYTES, {
    line: (bytes) => {
      const text = decodeUtf8(bytes);
      if (text === null || !text.trim()) {
        if (text === null) result.skippedLines++;
        return;
      }
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(text) as Record<string, unknown>;
      } catch {
        result.skippedLines++;
        return;
      }
      const e = v?.type === 'entity' ? asEntity(v) : null;
      const r = v?.type === 'relation' ? asRelation(v) : null;
      if (e) entities.push(e);
      else if (r) relations.push(r);
      else result.skippedLines++;
    },
    oversized: () => result.skippedLines++,
  });
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    splitter.push(chunk);
    if (entities.length + relations.length >= BATCH) flush();
  }
  splitter.end();
  flush();
  graph.db.prepare('INSERT OR IGNORE INTO kg_imported_files (path, imported_at) VALUES (?, ?)').run(path, Date.now());
  return result;
}
