// Schema step v7 of the memory database: the knowledge graph of `memory-server --compat server-memory` in tables
// of its own (entities, their observations in order, relations). Names are matched exactly, as server-memory does.
// IF NOT EXISTS: tests recreate older files by lowering user_version over a current schema.
export const GRAPH_SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS kg_entities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    entity_type TEXT NOT NULL,
    -- The memory (memories.id) holding this entity's text for the store's search; NULL when there is none.
    doc_id TEXT
  );
  CREATE TABLE IF NOT EXISTS kg_observations (
    id INTEGER PRIMARY KEY,
    entity_id INTEGER NOT NULL REFERENCES kg_entities(id) ON DELETE CASCADE,
    content TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS kg_observations_entity ON kg_observations(entity_id, content);
  CREATE TABLE IF NOT EXISTS kg_relations (
    id INTEGER PRIMARY KEY,
    from_name TEXT NOT NULL,
    to_name TEXT NOT NULL,
    relation_type TEXT NOT NULL,
    UNIQUE (from_name, to_name, relation_type)
  );
  CREATE INDEX IF NOT EXISTS kg_relations_to ON kg_relations(to_name);
  -- One row per server-memory file already imported at start-up (MEMORY_FILE_PATH), so it is read once.
  CREATE TABLE IF NOT EXISTS kg_imported_files (path TEXT PRIMARY KEY, imported_at INTEGER NOT NULL);
`;
