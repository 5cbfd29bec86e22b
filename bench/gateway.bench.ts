// Gateway and lazy-start figures: the latency a small tools/call gains through `mcp-warden gateway` against the same
// client talking to the same server directly (and through `connect`); tools/list answered from the lazy-start cache
// (no spawn) against a start that spawns; and a lazy server's first call against the server's own start time.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fixture, fixtureServer, nodeBin } from '../test/support/fixtures';
import { isRunning, killAll, procsWithEnvMarker, waitFor } from '../test/support/procfs';
import { cli, connectThroughBridge, startEngineProcess, wardenHome } from '../test/support/wardenClients';
import { median, percentile, round, writeResults } from './support';

const ROUNDS = 6;
const CALLS_PER_ROUND = 150;
const WARMUP = 100;
const LAZY_REPS = 10;

async function stdioClient(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ client: Client; pid: number }> {
  const transport = new StdioClientTransport({ command, args, env: env as Record<string, string> | undefined, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

async function latency(): Promise<Record<string, unknown>> {
  const MARK = `bench-gw-${process.pid}`;
  const home = wardenHome('bench-gateway', { tiny: fixtureServer('tiny', { WARDEN_BENCH_MARK: MARK }), other: fixtureServer('tiny', { WARDEN_BENCH_MARK: MARK }) });
  const engine = await startEngineProcess(home.stateDir, home.env);
  const direct = await stdioClient(nodeBin, [fixture('tiny')]);
  const bridge = await connectThroughBridge(home.stateDir, home.env, 'tiny');
  const gateway = await stdioClient(process.execPath, [cli, 'gateway', '--state-dir', home.stateDir], home.env);
  const tools = (await gateway.client.listTools()).tools.map((t) => t.name).sort().join(',');
  if (tools !== 'other__ping,tiny__ping') throw new Error(`unexpected gateway tools: ${tools}`);
  const callers: Record<string, () => Promise<unknown>> = {
    direct: () => direct.client.callTool({ name: 'ping', arguments: {} }),
    connect: () => bridge.client.callTool({ name: 'ping', arguments: {} }),
    gateway: () => gateway.client.callTool({ name: 'tiny__ping', arguments: {} }),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(callers).map((k) => [k, []]));
  for (const c of Object.values(callers)) for (let i = 0; i < WARMUP; i++) await c();
  // Interleaved rounds: a phase of the shared machine's speed falls on every path alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, c] of Object.entries(callers)) {
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        const t = performance.now();
        await c();
        samples[name]!.push(performance.now() - t);
      }
    }
  }
  await direct.client.close();
  await bridge.close();
  await gateway.client.close();
  engine.child.kill('SIGTERM');
  await waitFor('the engine to exit', () => engine.child.exitCode !== null, 15_000);
  killAll(procsWithEnvMarker('WARDEN_BENCH_MARK', MARK).map((p) => p.pid));
  const d50 = median(samples.direct!);
  const d99 = percentile(samples.direct!, 99);
  const out: Record<string, unknown> = { calls: ROUNDS * CALLS_PER_ROUND, directP50Ms: round(d50, 3), directP99Ms: round(d99, 3) };
  for (const name of ['connect', 'gateway']) {
    const p50 = median(samples[name]!);
    const p99 = percentile(samples[name]!, 99);
    out[name] = { p50Ms: round(p50, 3), p99Ms: round(p99, 3), addedP50Ms: round(p50 - d50, 3), addedP99Ms: round(p99 - d99, 3) };
  }
  const c50 = median(samples.connect!);
  out.gatewayOverConnectP50Ms = round(median(samples.gateway!) - c50, 3);
  return out;
}

async function lazy(): Promise<Record<string, unknown>> {
  const MARK = `bench-lazy-${process.pid}`;
  // A real SDK server (well-behaved), so "its own start time" is a realistic Node MCP server's.
  // fresh0…: the same server under another config hash each, never run before, so its initialize has to spawn it.
  const fresh = Object.fromEntries(Array.from({ length: LAZY_REPS }, (_, i) => [`fresh${i}`, fixtureServer('well-behaved', { WARDEN_BENCH_MARK: MARK, FRESH: String(i) })]));
  const home = wardenHome('bench-lazy', { echo: fixtureServer('well-behaved', { WARDEN_BENCH_MARK: MARK }), ...fresh });
  const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '600' };
  const servers = () => procsWithEnvMarker('WARDEN_BENCH_MARK', MARK);
  const idle = () => waitFor('the server to stop', () => servers().length === 0, 20_000, 20);
  const cacheDir = join(home.stateDir, 'lazy');
  const first = await connectThroughBridge(home.stateDir, env, 'echo');
  await first.client.listTools();
  await waitFor('the cache', () => { try { return readdirSync(cacheDir).length > 0; } catch { return false; } }, 10_000);
  await first.close();
  await idle();

  const cachedList: number[] = [];
  const cachedConnectAndList: number[] = [];
  const spawningConnectAndList: number[] = [];
  const firstCall: number[] = [];
  const ownStart: number[] = [];
  let spawnedByCachedList = 0;
  for (let rep = 0; rep < LAZY_REPS; rep++) {
    // Cached: connect (initialize from the cache), tools/list, then the first call (which spawns).
    let t = performance.now();
    const c = await connectThroughBridge(home.stateDir, env, 'echo');
    const t1 = performance.now();
    await c.client.listTools();
    const t2 = performance.now();
    cachedList.push(t2 - t1);
    cachedConnectAndList.push(t2 - t);
    if (servers().length) spawnedByCachedList++;
    t = performance.now();
    await c.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    firstCall.push(performance.now() - t);
    await c.close();
    await idle();
    // The server's own start: a client spawning it directly, initialize, the same call.
    t = performance.now();
    const d = await stdioClient(nodeBin, [fixture('well-behaved')], { ...process.env, WARDEN_BENCH_MARK: MARK });
    await d.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    ownStart.push(performance.now() - t);
    await d.client.close();
    await idle();
    // Spawning: a server never run, so initialize starts it.
    t = performance.now();
    const s = await connectThroughBridge(home.stateDir, env, `fresh${rep}`);
    await s.client.listTools();
    spawningConnectAndList.push(performance.now() - t);
    await s.close();
    await idle();
  }
  console.log(`lazy bench state dir: ${home.stateDir}`);
  const pid = (await import('node:fs')).readFileSync(join(home.stateDir, 'engine.lock'), 'utf8');
  const daemonPid = (JSON.parse(pid) as { pid: number }).pid;
  process.kill(daemonPid, 'SIGTERM');
  await waitFor('the daemon to exit', () => !isRunning(daemonPid), 20_000);
  killAll(servers().map((p) => p.pid));
  const m = (xs: number[]) => round(median(xs), 2);
  return {
    reps: LAZY_REPS,
    cachedToolsListMs: m(cachedList),
    spawnedByCachedList,
    cachedConnectAndListMs: m(cachedConnectAndList),
    spawningConnectAndListMs: m(spawningConnectAndList),
    firstCallMs: m(firstCall),
    serverOwnStartAndCallMs: m(ownStart),
    firstCallOverOwnStartMs: round(median(firstCall) - median(ownStart), 2),
    note: 'firstCall: a lazy server\'s first tools/call through connect (spawn, handshake, containment, call); serverOwnStartAndCall: an SDK client spawning the same server, initialize and the same call',
  };
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

async function main(): Promise<void> {
  const before = loadAverage();
  const lat = await latency();
  const lz = await lazy();
  console.log(JSON.stringify({ latency: lat, lazy: lz }, null, 2));
  writeResults('gateway', { loadAverage: { before, after: loadAverage() }, latency: lat, lazy: lz });
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
