// The memory store as an MCP server over stdio (`mcp-warden memory-server`): exactly five tools, each with an
// input schema; bad arguments and hostile queries come back as tool errors that explain themselves.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { WardenError } from '../../shared/errors';
import { formatDuration } from '../../shared/format';
import type { MemoryRecord } from '../../shared/protocol';
import type { MemoryStore } from './store';

function age(iso: string): string {
  const ms = Date.now() - Date.parse(iso);
  return ms < 60_000 ? 'just now' : `${formatDuration(ms)} ago`;
}

function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

async function run(fn: () => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    // WardenErrors carry sentences meant for people; anything else is reported without internals.
    const message = err instanceof WardenError ? err.message : `The memory store failed: ${(err as Error).message}`;
    return { content: [{ type: 'text', text: message }], isError: true };
  }
}

function describe(m: MemoryRecord & { score?: number }): Record<string, unknown> {
  return { id: m.id, ...(m.score !== undefined ? { score: m.score } : {}), category: m.category, tags: m.tags, importance: m.importance, age: age(m.updatedAt), content: m.content };
}

const tags = z
  .union([z.array(z.string()), z.string()])
  .optional()
  .describe('Tags: an array of strings, or one comma-separated string ("project-x, decision").');

export function createMemoryMcpServer(store: MemoryStore, source = 'mcp'): McpServer {
  const server = new McpServer({ name: 'mcp-warden-memory', version: '0.1.0' });
  server.registerTool(
    'memory_save',
    {
      description: 'Save a memory (a note, fact or decision worth finding again). Identical content is stored once: saving it again returns the existing id with duplicate=true.',
      inputSchema: {
        content: z.string().describe('The text to remember (up to 100 KB).'),
        category: z.string().optional().describe('A short category such as "decision", "fact", "todo" (default "note").'),
        tags,
        importance: z.number().optional().describe('How important it is, from 0 to 1 (default 0.5); less important memories are evicted first when the store is full.'),
      },
    },
    (args) =>
      run(async () => {
        const r = await store.save({ ...args, source });
        const text = `${r.duplicate ? 'Already remembered' : 'Saved'} as ${r.id}.${r.evicted.length ? ` Evicted ${r.evicted.length} older memories to stay within bounds.` : ''}${r.warning ? ` ${r.warning}` : ''}`;
        return ok(text, { id: r.id, duplicate: r.duplicate, evicted: r.evicted });
      }),
  );
  server.registerTool(
    'memory_search',
    {
      description:
        'Search memories with a question or keywords. Words are matched by stem ("rotate" finds "rotates"), small words like "the" or "when" are ignored, and code identifiers match by their parts ("invoice total" finds compute_invoice_total). Memories matching more of the words rank first, then by relevance (BM25); the ranking is exact over every match. "quoted phrases" and prefix* work; other operators are treated as words. Returns id, score (best hit = 1), snippet with **matched** words, category, tags, age and content; pass nextCursor back as cursor for the next page.',
      inputSchema: {
        query: z.string().describe('What to look for: a question or keywords.'),
        limit: z.number().optional().describe('How many results (default 10, max 1000).'),
        category: z.string().optional().describe('Only memories in this category.'),
        tags: tags.describe('Only memories that have all of these tags.'),
        workspace: z.string().optional().describe('Only memories saved from this workspace.'),
        since: z.string().optional().describe('Only memories updated at or after this ISO-8601 time (e.g. 2026-01-31 or 2026-01-31T12:00:00Z).'),
        until: z.string().optional().describe('Only memories updated at or before this ISO-8601 time.'),
        minScore: z.number().optional().describe('Drop hits scoring below this fraction (0..1) of the best hit.'),
        prefix: z.boolean().optional().describe('Match the last word as a prefix, for search as you type ("sql" finds "sqlite").'),
        cursor: z.string().optional().describe('The nextCursor of a previous call with the same query and filters: returns the next page.'),
      },
    },
    (args) =>
      run(async () => {
        const r = await store.search(args);
        const lines = r.hits.map((h, i) => `${i + 1}. [${h.id}] (score ${h.score}, ${h.category}${h.tags.length ? `, #${h.tags.join(' #')}` : ''}, ${age(h.updatedAt)}) ${h.content}`);
        const more = r.nextCursor ? `\n(more results: call again with cursor "${r.nextCursor}")` : '';
        const text = r.hits.length ? lines.join('\n') + more : `No memories match "${args.query}".`;
        const results = r.hits.map((h) => ({ ...describe(h), ...(h.snippet ? { snippet: h.snippet } : {}) }));
        return ok(r.warning ? `${text}\n(${r.warning})` : text, { results, mode: r.mode, ...(r.nextCursor ? { nextCursor: r.nextCursor } : {}) });
      }),
  );
  server.registerTool(
    'memory_get',
    { description: 'Get one memory by id, with all its fields.', inputSchema: { id: z.string().describe('The memory id.') } },
    (args) =>
      run(() => {
        const m = store.get(args.id);
        return ok(`[${m.id}] (${m.category}${m.tags.length ? `, #${m.tags.join(' #')}` : ''}, importance ${m.importance}, ${age(m.updatedAt)})\n${m.content}`, { ...m });
      }),
  );
  server.registerTool(
    'memory_delete',
    { description: 'Delete one memory by id.', inputSchema: { id: z.string().describe('The memory id.') } },
    (args) =>
      run(() => {
        const deleted = store.delete(args.id);
        return ok(deleted ? `Deleted ${args.id}.` : `No memory with id ${args.id}; nothing deleted.`, { deleted });
      }),
  );
  server.registerTool(
    'memory_recent',
    {
      description: 'The most recently saved or updated memories, newest first.',
      inputSchema: {
        limit: z.number().optional().describe('How many (default 10, max 1000).'),
        category: z.string().optional().describe('Only this category.'),
      },
    },
    (args) =>
      run(() => {
        const list = store.recent(args);
        const text = list.length ? list.map((m) => `[${m.id}] (${m.category}, ${age(m.updatedAt)}) ${m.content}`).join('\n') : 'No memories yet.';
        return ok(text, { results: list.map(describe) });
      }),
  );
  return server;
}
