// The shapes of @modelcontextprotocol/server-memory's knowledge graph, as its tools take and return them.
export interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}

export interface Relation {
  from: string;
  to: string;
  relationType: string;
}

export interface KnowledgeGraph {
  entities: Entity[];
  relations: Relation[];
}

/** A page of a graph read: the graph's shape, plus where to go on when it did not fit (our addition). */
export interface GraphPage extends KnowledgeGraph {
  nextCursor?: string;
}
