// Recall@5 and MRR on the recall set for: our search (no embeddings), ours with the deterministic local test
// embedder (hybrid), server-memory's search_nodes (as an MCP server, on the same texts), and schema v6's AND-only
// search re-created over the same store. Imported by memorySearch.bench.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { MemoryStore } from '../src/helper/memory/store';
import { repoRoot } from '../test/support/fixtures';
import { evaluateRecall, recallMemories } from '../test/support/recallSet';
import { testEmbedder } from '../test/support/testEmbedder';

const strip = (r: { missed: string[] }) => ({ ...r, missed: r.missed.length });

export async function recallFigures() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recall-'));
  try {
    const memories = recallMemories();
    const store = MemoryStore.open(join(dir, 'memory.db'));
    const keyOf = new Map<string, string>();
    for (const m of memories) keyOf.set((await store.save({ content: m.content })).id, m.key);
    const ours = await evaluateRecall(async (q) => (await store.search({ query: q, limit: 10 })).hits.map((h) => keyOf.get(h.id)!));
    // Schema v6: the raw text in a unicode61 index, every word required (ANDed), bm25.
    const db = store.database;
    db.exec(`CREATE VIRTUAL TABLE v6_fts USING fts5(content, tokenize='unicode61 remove_diacritics 2');
      INSERT INTO v6_fts(rowid, content) SELECT rowid, content FROM memories;`);
    const v6 = db.prepare('SELECT m.id FROM v6_fts f JOIN memories m ON m.rowid = f.rowid WHERE v6_fts MATCH ? ORDER BY f.rank LIMIT 10').pluck();
    const andOnly = await evaluateRecall(async (q) => {
      const terms = q.match(/[\p{L}\p{N}_]+/gu) ?? [];
      if (!terms.length) return [];
      return (v6.all(terms.map((t) => `"${t}"`).join(' ')) as string[]).map((id) => keyOf.get(id)!);
    });
    store.close();
    // Ours with embeddings from the in-repo test embedder (hashed character trigrams: deterministic, no network).
    const hybridStore = MemoryStore.open(join(dir, 'hybrid.db'), { embedder: testEmbedder() });
    const hybridKey = new Map<string, string>();
    for (const m of memories) hybridKey.set((await hybridStore.save({ content: m.content })).id, m.key);
    const hybrid = await evaluateRecall(async (q) => (await hybridStore.search({ query: q, limit: 10 })).hits.map((h) => hybridKey.get(h.id)!));
    hybridStore.close();
    // server-memory: one entity per memory, its text as the observation; search_nodes returns matching entities.
    const file = join(dir, 'server-memory.jsonl');
    writeFileSync(file, memories.map((m) => JSON.stringify({ type: 'entity', name: m.key, entityType: 'memory', observations: [m.content] })).join('\n') + '\n');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
      env: { ...(process.env as Record<string, string>), MEMORY_FILE_PATH: file },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench-recall', version: '1.0.0' });
    await client.connect(transport);
    const serverMemory = await evaluateRecall(async (q) => {
      const r = await client.callTool({ name: 'search_nodes', arguments: { query: q } });
      const graph = (r.structuredContent ?? JSON.parse((r.content as { text: string }[])[0]!.text)) as { entities: { name: string }[] };
      return graph.entities.map((e) => e.name);
    });
    await client.close();
    return { ours: strip(ours), oursWithTestEmbedder: strip(hybrid), serverMemorySearchNodes: strip(serverMemory), schemaV6AndOnly: strip(andOnly) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
