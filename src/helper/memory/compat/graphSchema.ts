// Schema steps v7 and v9 of the memory database: the knowledge graph of `memory-server --compat server-memory` in tables
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

/** v9: the substring index of the graph, built from the rows v7 holds (rebuilt whole if the step runs again). */
export const GRAPH_SUBSTRINGS_SQL = `
  -- server-memory's substring rule through a trigram index (case-insensitive), one row per name, type and
  -- observation: a query of 3+ characters reads the index instead of every observation. Contentless (the text is
  -- in the tables above), so rowids say whose a row is: an observation's own id, an entity's name -2*id and its
  -- type -2*id-1. New rows are indexed by the graph store once per call (an insert trigger makes FTS5 flush per
  -- row, see v3); deletes by triggers (cascaded deletes fire them too). Both in the transaction that changes the rows.
  CREATE VIRTUAL TABLE IF NOT EXISTS kg_substrings USING fts5(text, tokenize='trigram', content='', contentless_delete=1);
  CREATE TRIGGER IF NOT EXISTS kg_entities_ad AFTER DELETE ON kg_entities BEGIN
    DELETE FROM kg_substrings WHERE rowid = -2 * old.id;
    DELETE FROM kg_substrings WHERE rowid = -2 * old.id - 1;
  END;
  CREATE TRIGGER IF NOT EXISTS kg_observations_ad AFTER DELETE ON kg_observations BEGIN
    DELETE FROM kg_substrings WHERE rowid = old.id;
  END;
  -- v7 indexed observations by (entity, content): a copy of every observation (27 MB at 100k entities) for
  -- lookups that read one entity's few rows anyway.
  DROP INDEX IF EXISTS kg_observations_entity;
  CREATE INDEX IF NOT EXISTS kg_observations_by_entity ON kg_observations(entity_id);
  INSERT INTO kg_substrings (kg_substrings) VALUES ('delete-all');
  INSERT INTO kg_substrings (rowid, text) SELECT -2 * id, name FROM kg_entities;
  INSERT INTO kg_substrings (rowid, text) SELECT -2 * id - 1, entity_type FROM kg_entities;
  INSERT INTO kg_substrings (rowid, text) SELECT id, content FROM kg_observations;
`;
