// `mcp-warden memory-server --compat server-memory`: the nine tools of @modelcontextprotocol/server-memory with its
// titles, argument and result shapes, annotations and result text, over the knowledge-graph tables of this store.
// Additions a client may ignore: read_graph and search_nodes take an optional `cursor` and return `nextCursor`
// when the answer did not fit in one bounded page.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { toStoreError } from '../db';
import type { MemoryStore } from '../store';
import { GraphSearch } from './graphSearch';
import { GraphStore } from './graphStore';
import { readGraphPage } from './graphPages';
import type { GraphPage } from './graphTypes';

const RESOURCE_URI = 'memory://knowledge-graph';

const EntitySchema = z.object({
  name: z.string().describe('The name of the entity'),
  entityType: z.string().describe('The type of the entity'),
  observations: z.array(z.string()).describe('An array of observation contents associated with the entity'),
});
const RelationSchema = z.object({
  from: z.string().describe('The name of the entity where the relation starts'),
  to: z.string().describe('The name of the entity where the relation ends'),
  relationType: z.string().describe('The type of the relation'),
});
const GraphOutput = {
  entities: z.array(EntitySchema),
  relations: z.array(RelationSchema),
  nextCursor: z.string().optional().describe('Present when more remains: pass it back as `cursor` for the next page'),
};
const SuccessOutput = { success: z.boolean(), message: z.string() };
const cursor = z.string().optional().describe('From a previous answer\'s nextCursor, to read the next page');

const writeHints = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
const deleteHints = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
const readHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

function json(structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }], structuredContent: structured };
}

/** server-memory's write results: the text is the list itself, the structured content names it. */
function list(key: string, items: unknown[]): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(items, null, 2) }], structuredContent: { [key]: items } };
}

function success(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], structuredContent: { success: true, message } };
}

function graph(page: GraphPage): CallToolResult {
  return json({ ...page });
}

export interface CompatServer {
  server: McpServer;
  /** The knowledge graph behind it (for tests and the start-up import). */
  graph: GraphStore;
}

/**
 * `ready`, when given, is awaited before each call: the start-up import of a server-memory file runs after the
 * handshake (a large file would outlast a client's initialize timeout) and the first calls wait for it.
 */
export function createServerMemoryCompatServer(store: MemoryStore, ready?: (graph: GraphStore) => Promise<unknown>): CompatServer {
  const kg = new GraphStore(store);
  const search = new GraphSearch(kg);
  const server = new McpServer({ name: 'mcp-warden-memory (server-memory compatible)', version: '0.1.0' });
  const subscribers = new Set<string>();
  // A failed import is said where the operator looks and leaves the graph as it is; the calls go on.
  const started = ready?.(kg).catch((err: unknown) => process.stderr.write(`mcp-warden memory server: the start-up import failed: ${(err as Error).message}\n`));

  /** SQLite failures become the store's sentences; server-memory's own errors (plain Errors) pass as they are. */
  const run = async (fn: () => CallToolResult | Promise<CallToolResult>, changes = false): Promise<CallToolResult> => {
    let result: CallToolResult;
    try {
      await started;
      result = await fn();
    } catch (err) {
      throw (err as { code?: unknown }).code && String((err as { code: unknown }).code).startsWith('SQLITE') ? toStoreError(err, store.path) : err;
    }
    if (changes && subscribers.has(RESOURCE_URI)) void server.server.sendResourceUpdated({ uri: RESOURCE_URI });
    return result;
  };

  server.registerTool(
    'create_entities',
    { title: 'Create Entities', description: 'Create multiple new entities in the knowledge graph', inputSchema: { entities: z.array(EntitySchema) }, outputSchema: { entities: z.array(EntitySchema) }, annotations: writeHints },
    ({ entities }) => run(() => list('entities', kg.createEntities(entities)), true),
  );
  server.registerTool(
    'create_relations',
    {
      title: 'Create Relations',
      description: 'Create multiple new relations between entities in the knowledge graph. Relations should be in active voice',
      inputSchema: { relations: z.array(RelationSchema) },
      outputSchema: { relations: z.array(RelationSchema) },
      annotations: writeHints,
    },
    ({ relations }) => run(() => list('relations', kg.createRelations(relations)), true),
  );
  server.registerTool(
    'add_observations',
    {
      title: 'Add Observations',
      description: 'Add new observations to existing entities in the knowledge graph',
      inputSchema: {
        observations: z.array(
          z.object({
            entityName: z.string().describe('The name of the entity to add the observations to'),
            contents: z.array(z.string()).describe('An array of observation contents to add'),
          }),
        ),
      },
      outputSchema: { results: z.array(z.object({ entityName: z.string(), addedObservations: z.array(z.string()) })) },
      annotations: writeHints,
    },
    ({ observations }) => run(() => list('results', kg.addObservations(observations)), true),
  );
  server.registerTool(
    'delete_entities',
    {
      title: 'Delete Entities',
      description: 'Delete multiple entities and their associated relations from the knowledge graph',
      inputSchema: { entityNames: z.array(z.string()).describe('An array of entity names to delete') },
      outputSchema: SuccessOutput,
      annotations: deleteHints,
    },
    ({ entityNames }) => run(() => (kg.deleteEntities(entityNames), success('Entities deleted successfully')), true),
  );
  server.registerTool(
    'delete_observations',
    {
      title: 'Delete Observations',
      description: 'Delete specific observations from entities in the knowledge graph',
      inputSchema: {
        deletions: z.array(
          z.object({
            entityName: z.string().describe('The name of the entity containing the observations'),
            observations: z.array(z.string()).describe('An array of observations to delete'),
          }),
        ),
      },
      outputSchema: SuccessOutput,
      annotations: deleteHints,
    },
    ({ deletions }) => run(() => (kg.deleteObservations(deletions), success('Observations deleted successfully')), true),
  );
  server.registerTool(
    'delete_relations',
    {
      title: 'Delete Relations',
      description: 'Delete multiple relations from the knowledge graph',
      inputSchema: { relations: z.array(RelationSchema).describe('An array of relations to delete') },
      outputSchema: SuccessOutput,
      annotations: deleteHints,
    },
    ({ relations }) => run(() => (kg.deleteRelations(relations), success('Relations deleted successfully')), true),
  );
  server.registerTool(
    'read_graph',
    {
      title: 'Read Graph',
      description: 'Read the entire knowledge graph. A large graph comes in pages: when the answer has nextCursor, call again with it as cursor for the rest',
      inputSchema: { cursor },
      outputSchema: GraphOutput,
      annotations: readHints,
    },
    (args) => run(() => graph(readGraphPage(kg, args.cursor))),
  );
  server.registerTool(
    'search_nodes',
    {
      title: 'Search Nodes',
      description: 'Search for nodes in the knowledge graph based on a query. Best matches come first; when the answer has nextCursor, call again with it as cursor for more',
      inputSchema: {
        query: z.string().describe('The search query to match against entity names, types, and observation content'),
        cursor,
      },
      outputSchema: GraphOutput,
      annotations: readHints,
    },
    (args) => run(async () => graph(await search.search(args.query, args.cursor))),
  );
  server.registerTool(
    'open_nodes',
    {
      title: 'Open Nodes',
      description: 'Open specific nodes in the knowledge graph by their names',
      inputSchema: { names: z.array(z.string()).describe('An array of entity names to retrieve') },
      outputSchema: GraphOutput,
      annotations: readHints,
    },
    ({ names }) =>
      run(() =>
        kg.read(() => {
          const entities = kg.withObservations(kg.entitiesByNames(names)).map((e) => ({ name: e.name, entityType: e.entityType, observations: e.observations }));
          return graph({ entities, relations: kg.relationsTouching(entities.map((e) => e.name)) });
        }),
      ),
  );

  // server-memory's resource: the graph as JSON (here its first page) and update notifications for subscribers.
  server.registerResource('knowledge-graph', RESOURCE_URI, { title: 'Knowledge Graph', description: 'The knowledge graph with all entities and relations (its first page when it is large: read_graph pages through the rest)', mimeType: 'application/json' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(readGraphPage(kg), null, 2) }],
  }));
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    // Only our one resource is remembered, so the set stays bounded whatever a client sends.
    if (request.params.uri === RESOURCE_URI) subscribers.add(RESOURCE_URI);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscribers.delete(request.params.uri);
    return {};
  });
  return { server, graph: kg };
}
