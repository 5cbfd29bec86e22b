// The server-memory drop-in against the real @modelcontextprotocol/server-memory, both through MCP, on the same
// graph (one file, imported by ours through MEMORY_FILE_PATH on its first start): search_nodes and add_observations
// median latency, and the size of what read_graph hands the agent (all of it vs one bounded page).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { repoRoot } from '../test/support/fixtures';
import { median, round, writeResults } from './support';

const TOPICS = ['kafka', 'redis', 'postgres', 'billing', 'auth', 'frontend', 'deploy', 'oncall', 'search', 'cache'];
const VERBS = ['prefers', 'owns', 'debugged', 'documented', 'reviewed', 'migrated', 'benchmarked', 'rewrote'];
const TIMEOUT = { timeout: 600_000 };

function observation(i: number, k: number): string {
  return `Engineer ${i % 5000} ${VERBS[(i + k) % VERBS.length]} the ${TOPICS[(i + k) % TOPICS.length]} service in sprint ${i % 97}: latency went from ${i % 300} ms to ${(i * 7) % 300} ms (ticket token${(i * 3 + k) % 1000}).`;
}

async function connect(args: string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args, env: { ...(process.env as Record<string, string>), ...env }, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const t = process.hrtime.bigint();
  await client.connect(transport);
  return { client, connectMs: Number(process.hrtime.bigint() - t) / 1e6 };
}

async function timed(client: Client, name: string, args: Record<string, unknown>): Promise<{ ms: number; text: string }> {
  const t = process.hrtime.bigint();
  const r = await client.callTool({ name, arguments: args }, undefined, TIMEOUT);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  return { ms, text: (r.content as { text: string }[])[0]!.text };
}

async function measure(client: Client, tag: string) {
  const queries = Array.from({ length: 30 }, (_, i) => `token${(i * 37 + 100) % 1000}`);
  // Warm-up calls first: the figure is the steady cost, not JIT compilation.
  for (const q of queries.slice(0, 5)) await timed(client, 'search_nodes', { query: q });
  const search = [];
  for (const q of queries) search.push((await timed(client, 'search_nodes', { query: q })).ms);
  const add = [];
  for (let i = 0; i < 20; i++) add.push((await timed(client, 'add_observations', { observations: [{ entityName: `person-${i * 7}`, contents: [`${tag} bench note ${i}`] }] })).ms);
  const figures = { searchMedianMs: round(median(search), 2), addObservationsMedianMs: round(median(add), 2) };
  try {
    const read = await timed(client, 'read_graph', {});
    return { ...figures, readGraphMs: round(read.ms, 1), readGraphChars: read.text.length, readGraphApproxTokens: Math.round(read.text.length / 4) };
  } catch (err) {
    // server-memory's whole graph at 100k entities is one ~45 MB line: past the SDK client's 10 MB message bound.
    return { ...figures, readGraph: `failed: ${(err as Error).message}` };
  }
}

async function compare(entities: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-compat-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < entities; i++) lines.push(JSON.stringify({ type: 'entity', name: `person-${i}`, entityType: 'person', observations: [observation(i, 0), observation(i, 1)] }));
    for (let i = 0; i < entities; i++) lines.push(JSON.stringify({ type: 'relation', from: `person-${i}`, to: `person-${(i * 31 + 7) % entities}`, relationType: 'works_with' }));
    const theirsFile = join(dir, 'theirs.jsonl');
    const oursFile = join(dir, 'ours.jsonl');
    writeFileSync(theirsFile, lines.join('\n'));
    writeFileSync(oursFile, lines.join('\n'));
    const official = await connect([join(repoRoot, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')], { MEMORY_FILE_PATH: theirsFile });
    const theirs = await measure(official.client, 'theirs');
    await official.client.close();
    // Ours imports the file on its first start (the switch), then answers from SQLite.
    const stateDir = join(dir, 'state');
    const warden = await connect([join(repoRoot, 'dist/cli.js'), 'memory-server', '--compat', 'server-memory', '--state-dir', stateDir], { MEMORY_FILE_PATH: oursFile });
    // The import runs after the handshake; the first call waits for it.
    const t = process.hrtime.bigint();
    await warden.client.callTool({ name: 'open_nodes', arguments: { names: [] } }, undefined, TIMEOUT);
    const importMs = warden.connectMs + Number(process.hrtime.bigint() - t) / 1e6;
    const ours = await measure(warden.client, 'ours');
    await warden.client.close();
    const again = await connect([join(repoRoot, 'dist/cli.js'), 'memory-server', '--compat', 'server-memory', '--state-dir', stateDir], { MEMORY_FILE_PATH: oursFile });
    await again.client.close();
    const dbMB = round(Number(readFileSync(join(stateDir, 'memory.db')).length) / 1024 / 1024, 1);
    return {
      serverMemory: theirs,
      mcpWarden: { ...ours, firstStartWithImportMs: round(importMs, 0), importedEntitiesPerSec: round(entities / (importMs / 1000), 0), laterStartMs: round(again.connectMs, 0), dbMB },
      searchSpeedup: round(theirs.searchMedianMs / ours.searchMedianMs, 0),
      addObservationsSpeedup: round(theirs.addObservationsMedianMs / ours.addObservationsMedianMs, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const out: Record<string, unknown> = {};
  for (const size of (process.env.BENCH_COMPAT_SIZES ?? '10000,100000').split(',').map(Number)) {
    out[size] = await compare(size);
    console.log(size, JSON.stringify(out[size]));
  }
  writeResults('server-memory-compat', {
    entities: out,
    setup: 'each entity has 2 observations (~150 chars each) and one relation; ours imported the same file via MEMORY_FILE_PATH',
    note: 'read_graph: server-memory returns the whole graph; ours one page of about 64 KB with nextCursor',
  });
}

void main();
