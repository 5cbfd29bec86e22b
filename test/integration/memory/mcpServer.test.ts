// The memory MCP server as a real process, driven by the SDK client and by @modelcontextprotocol/inspector's CLI;
// plus JSONL import/export (ours and server-memory's graph) and the `mcp-warden memory` CLI.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { repoRoot, tempDir } from '../../support/fixtures';
import { SeenProcesses, killAll } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');
/** Every process this file starts, by pid and start time: a pid reused after ours exited is neither a leak nor killed. */
const pids = new SeenProcesses();
after(() => {
  const leaked = pids.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes this file started are still running');
});

function text(r: unknown): string {
  return ((r as { content: { text: string }[] }).content[0]!.text);
}

async function connect(stateDir: string) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'memory-server', '--state-dir', stateDir], stderr: 'ignore' });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  pids.add(transport.pid);
  return client;
}

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

describe('memory MCP server', () => {
  it('offers exactly the five tools with input schemas', async () => {
    const client = await connect(tempDir('mcp-tools'));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['memory_delete', 'memory_get', 'memory_recent', 'memory_save', 'memory_search']);
    const save = tools.find((t) => t.name === 'memory_save')!;
    assert.deepEqual(save.inputSchema.required, ['content']);
    assert.ok(save.description && save.description.length > 20);
    await client.close();
  });

  it('saves, finds, gets, lists and deletes; comma-separated tags work', async () => {
    const client = await connect(tempDir('mcp-roundtrip'));
    const saved = await client.callTool({ name: 'memory_save', arguments: { content: 'We chose SQLite WAL for the memory store', category: 'decision', tags: 'db, storage', importance: 0.8 } });
    const id = (saved.structuredContent as { id: string }).id;
    const again = await client.callTool({ name: 'memory_save', arguments: { content: 'We chose SQLite WAL for the memory store' } });
    assert.equal((again.structuredContent as { duplicate: boolean }).duplicate, true);
    const found = await client.callTool({ name: 'memory_search', arguments: { query: 'sqlite wal', tags: ['storage'] } });
    const results = (found.structuredContent as { results: { id: string; score: number; tags: string[]; age: string }[] }).results;
    assert.equal(results[0]!.id, id);
    assert.deepEqual(results[0]!.tags, ['db', 'storage']);
    assert.ok(results[0]!.age);
    assert.match(text(await client.callTool({ name: 'memory_get', arguments: { id } })), /SQLite WAL/);
    assert.match(text(await client.callTool({ name: 'memory_recent', arguments: { limit: 5 } })), /SQLite WAL/);
    assert.match(text(await client.callTool({ name: 'memory_delete', arguments: { id } })), /Deleted/);
    const gone = await client.callTool({ name: 'memory_get', arguments: { id } });
    assert.equal(gone.isError, true);
    assert.match(text(gone), /No memory with id/);
    await client.close();
  });

  it('answers bad arguments and hostile queries with explanatory tool errors', async () => {
    const client = await connect(tempDir('mcp-bad'));
    const bad = await client.callTool({ name: 'memory_save', arguments: { content: 'x', importance: 2 } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /importance/);
    const missing = await client.callTool({ name: 'memory_save', arguments: {} });
    assert.equal(missing.isError, true);
    const hostile = await client.callTool({ name: 'memory_search', arguments: { query: '"*NEAR(' } });
    assert.doesNotMatch(text(hostile), /SQLITE|fts5 syntax/i);
    const empty = await client.callTool({ name: 'memory_search', arguments: { query: '*** ()' } });
    assert.equal(empty.isError, true);
    assert.match(text(empty), /no words/);
    await client.close();
  });

  it("works with @modelcontextprotocol/inspector's CLI as a real client", () => {
    const stateDir = tempDir('mcp-inspector');
    const inspector = join(repoRoot, 'node_modules/.bin/mcp-inspector');
    const base = ['--cli', process.execPath, cli, 'memory-server', '--state-dir', stateDir];
    const list = spawnSync(inspector, [...base, '--method', 'tools/list'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /memory_search/);
    const save = spawnSync(inspector, [...base, '--method', 'tools/call', '--tool-name', 'memory_save', '--tool-arg', 'content=inspector was here'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(save.status, 0, save.stderr);
    const search = spawnSync(inspector, [...base, '--method', 'tools/call', '--tool-name', 'memory_search', '--tool-arg', 'query=inspector'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(search.status, 0, search.stderr);
    assert.match(search.stdout, /inspector was here/);
  });
});

describe('memory import, export and CLI', () => {
  it('round-trips through JSONL export and import, with --json output', () => {
    const a = tempDir('export-a');
    const b = tempDir('export-b');
    for (const t of ['first note about kafka', 'second note about redis', 'third note about kafka partitions']) {
      assert.equal(runCli(['memory', 'add', t, '--state-dir', a, '--tags', 'infra']).status, 0);
    }
    const file = join(a, 'out.jsonl');
    assert.equal(runCli(['memory', 'export', file, '--state-dir', a]).status, 0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3);
    assert.deepEqual(Object.keys(lines[0]!).sort(), ['category', 'content', 'createdAt', 'id', 'importance', 'source', 'tags', 'updatedAt', 'workspace']);
    const imp = runCli(['--json', 'memory', 'import', file, '--state-dir', b]);
    assert.equal(imp.status, 0, imp.stderr);
    assert.equal((JSON.parse(imp.stdout) as { imported: number }).imported, 3);
    const search = JSON.parse(runCli(['memory', 'search', 'kafka', '--json', '--state-dir', b]).stdout) as { hits: { id: string }[] };
    assert.equal(search.hits.length, 2);
    assert.ok(search.hits.every((h) => lines.some((l) => l.id === h.id)), 'ids survive the round trip');
  });

  it("imports server-memory's knowledge graph and skips malformed and over-long lines", () => {
    const dir = tempDir('kg');
    const file = join(dir, 'memory.jsonl');
    writeFileSync(file, [
      JSON.stringify({ type: 'entity', name: 'Alice', entityType: 'person', observations: ['prefers tabs over spaces', 'works on the billing service'] }),
      'this line is not json',
      'x'.repeat(1_100_000),
      JSON.stringify({ type: 'relation', from: 'Alice', to: 'Billing', relationType: 'works_on' }),
    ].join('\n'));
    const r = runCli(['memory', 'import', file, '--json', '--state-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { imported: number; skipped: number; format: string; problems: string[] };
    assert.equal(result.format, 'server-memory');
    assert.equal(result.imported, 3);
    assert.equal(result.skipped, 2);
    assert.match(result.problems.join('\n'), /line 2: not valid JSON/);
    assert.match(result.problems.join('\n'), /line 3: longer than/);
    const hits = JSON.parse(runCli(['memory', 'search', 'tabs', '--tags', 'alice', '--json', '--state-dir', dir]).stdout) as { hits: { tags: string[] }[] };
    assert.deepEqual(hits.hits[0]!.tags, ['alice', 'person']);
  });

  it('shows progress lines for a large import', () => {
    const dir = tempDir('progress');
    const file = join(dir, 'big.jsonl');
    writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ content: `generated memory ${i} about topic ${i % 97}` })).join('\n'));
    const r = runCli(['memory', 'import', file, '--state-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported 50000/);
    assert.match(r.stderr, /importing: \d+ memories/);
  });
});
