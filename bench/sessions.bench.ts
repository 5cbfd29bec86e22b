// Session-layer figures: the latency a small tools/call gains through Warden (connect, HTTP on the unix socket, HTTP
// on TCP) against the same client talking to the same server directly; 3 clients × 10 servers, processes and PSS,
// each client spawning its own vs all through one engine with shared instances; bridge RSS; engine RSS with 30 sessions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fixture, fixtureServer, nodeBin, repoRoot, tempDir } from '../test/support/fixtures';
import { isRunning, killAll, procsWithEnvMarker, waitFor } from '../test/support/procfs';
import { connectOverHttp, connectThroughBridge, readToken, startEngineProcess, wardenHome } from '../test/support/wardenClients';
import { readPssBytes } from '../src/helper/sampling/pss';
import { median, percentile, round, writeResults } from './support';

const MB = 1024 * 1024;
const ROUNDS = 6;
const CALLS_PER_ROUND = 150;
const WARMUP = 100;

interface Caller {
  call(): Promise<unknown>;
  close(): Promise<void>;
}

/** 0 for a process that is gone: the benches sum trees whose members may exit between listing and reading. */
function pssBytes(pid: number): number {
  return readPssBytes(pid) ?? 0;
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function latency(): Promise<Record<string, unknown>> {
  const MARK = `bench-lat-${process.pid}`;
  const home = wardenHome('bench-latency', { tiny: fixtureServer('tiny', { WARDEN_BENCH_MARK: MARK }) });
  const engine = await startEngineProcess(home.stateDir, home.env, { http: true });
  const { endpoints } = engine.status();
  const token = readToken(endpoints.tokenFile!);
  const sdkCaller = (client: Client, close: () => Promise<void>): Caller => ({
    call: () => client.callTool({ name: 'ping', arguments: {} }),
    close,
  });
  const direct = new Client({ name: 'bench', version: '1' });
  const directTransport = new StdioClientTransport({ command: nodeBin, args: [fixture('tiny')], stderr: 'ignore' });
  await direct.connect(directTransport);
  const bridge = await connectThroughBridge(home.stateDir, home.env, 'tiny');
  const unix = await connectOverHttp('http://localhost/mcp/tiny', { socketPath: endpoints.unixSocket! });
  const tcp = await connectOverHttp(`${endpoints.http}/tiny`, { token });
  const callers: Record<string, Caller> = {
    direct: sdkCaller(direct, () => direct.close()),
    connect: sdkCaller(bridge.client, bridge.close),
    httpUnix: sdkCaller(unix.client, unix.close),
    httpTcp: sdkCaller(tcp.client, tcp.close),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(callers).map((k) => [k, []]));
  for (const c of Object.values(callers)) for (let i = 0; i < WARMUP; i++) await c.call();
  // Interleaved rounds: a phase of the shared machine's speed falls on every path alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, c] of Object.entries(callers)) {
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        const t = performance.now();
        await c.call();
        samples[name]!.push(performance.now() - t);
      }
    }
  }
  for (const c of Object.values(callers)) await c.close();
  engine.child.kill('SIGTERM');
  await waitFor('the engine to exit', () => engine.child.exitCode !== null, 15_000);
  killAll(procsWithEnvMarker('WARDEN_BENCH_MARK', MARK).map((p) => p.pid));
  const d50 = median(samples.direct!);
  const d99 = percentile(samples.direct!, 99);
  const out: Record<string, unknown> = { calls: ROUNDS * CALLS_PER_ROUND, directP50Ms: round(d50, 3), directP99Ms: round(d99, 3) };
  for (const name of ['connect', 'httpUnix', 'httpTcp']) {
    const p50 = median(samples[name]!);
    const p99 = percentile(samples[name]!, 99);
    out[name] = { p50Ms: round(p50, 3), p99Ms: round(p99, 3), addedP50Ms: round(p50 - d50, 3), addedP99Ms: round(p99 - d99, 3) };
  }
  return out;
}

interface Footprint {
  processes: number;
  pssBytes: number;
  rssBytes: number;
}

function footprint(pids: number[]): Footprint {
  const live = pids.filter(isRunning);
  return { processes: live.length, pssBytes: live.reduce((s, p) => s + pssBytes(p), 0), rssBytes: live.reduce((s, p) => s + rssBytes(p), 0) };
}

type ServerKind = 'node' | 'npx';
const NPX_PACKAGE = '@modelcontextprotocol/server-memory';

/**
 * How a client's config launches one server: `node fixture` (one process), or the way real configs do, `npx -y pkg`
 * (npm exec, its `sh -c`, then node: three processes), run from the repository so npx finds the package installed.
 */
function launch(kind: ServerKind, marker: Record<string, string>, memoryFile: string): { command: string; args: string[]; env: Record<string, string>; cwd: string } {
  if (kind === 'node') return { command: nodeBin, args: [fixture('well-behaved')], env: marker, cwd: repoRoot };
  return { command: 'npx', args: ['-y', NPX_PACKAGE], env: { ...marker, MEMORY_FILE_PATH: memoryFile }, cwd: repoRoot };
}

const mb = (f: Footprint) => ({ processes: f.processes, pssMB: round(f.pssBytes / MB, 1), rssMB: round(f.rssBytes / MB, 1) });
const sum = (...fs: Footprint[]): Footprint => ({ processes: fs.reduce((s, f) => s + f.processes, 0), pssBytes: fs.reduce((s, f) => s + f.pssBytes, 0), rssBytes: fs.reduce((s, f) => s + f.rssBytes, 0) });
const ratio = (own: Footprint, warden: Footprint) => ({ processes: round(own.processes / warden.processes, 2), pss: round(own.pssBytes / warden.pssBytes, 2) });

/**
 * 3 clients × 10 servers, one kind of server launch: each client spawning its own copies (what clients do today)
 * against one engine with shared instances, reached (a) through 10 `connect` bridges per client, (b) through one
 * `gateway` bridge per client, (c) over HTTP on the engine's socket (no bridge process). Whole trees are counted.
 */
async function sharingOf(kind: ServerKind): Promise<Record<string, unknown>> {
  const CLIENTS = 3;
  const SERVERS = 10;
  const names = Array.from({ length: SERVERS }, (_, i) => `s${i}`);
  const tmp = tempDir(`bench-share-${kind}`);
  const call = kind === 'node' ? { name: 'echo', arguments: { text: 'x' } } : { name: 'read_graph', arguments: {} };

  // 1. Each client spawns its own copy of every server.
  const MARK_A = `bench-own-${kind}-${process.pid}`;
  const own: Client[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    for (const n of names) {
      const l = launch(kind, { WARDEN_BENCH_MARK: MARK_A }, join(tmp, `own-${c}-${n}.jsonl`));
      const client = new Client({ name: `client${c}`, version: '1' });
      await client.connect(new StdioClientTransport({ command: l.command, args: l.args, cwd: l.cwd, env: { ...process.env, ...l.env } as Record<string, string>, stderr: 'ignore' }));
      await client.callTool(call);
      own.push(client);
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  const ownPids = procsWithEnvMarker('WARDEN_BENCH_MARK', MARK_A).map((p) => p.pid);
  const ownFootprint = footprint(ownPids);
  for (const c of own) await c.close();
  await waitFor('the own servers to exit', () => ownPids.every((p) => !isRunning(p)), 30_000).catch(() => killAll(ownPids));

  // 2. The same servers once, in one engine, shared by the three clients.
  const MARK_B = `bench-shared-${kind}-${process.pid}`;
  const home = wardenHome(`bench-sharing-${kind}`, Object.fromEntries(names.map((n) => [n, { type: 'stdio', ...launch(kind, { WARDEN_BENCH_MARK: MARK_B }, join(tmp, `warden-${n}.jsonl`)) }])));
  const engine = await startEngineProcess(home.stateDir, home.env);
  const enginePid = engine.child.pid!;
  await waitFor('every server running', () => engine.status().servers.filter((s) => s.state === 'running').length === SERVERS, 120_000, 250);
  const engineIdleRss = rssBytes(enginePid);
  const settle = () => new Promise((r) => setTimeout(r, 1000));
  const serverPids = () => procsWithEnvMarker('WARDEN_BENCH_MARK', MARK_B).map((p) => p.pid);

  // (a) one connect bridge per client × server
  const bridges: Awaited<ReturnType<typeof connectThroughBridge>>[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    for (const n of names) {
      const b = await connectThroughBridge(home.stateDir, home.env, n);
      await b.client.callTool(call);
      bridges.push(b);
    }
  }
  await settle();
  const servers = footprint(serverPids());
  const connectBridges = footprint(bridges.map((b) => b.bridgePid));
  const connectEngine = footprint([enginePid]);
  const sessions = (await engine.sessions()).sizes.sessions;
  const connectRss = bridges.map((b) => rssBytes(b.bridgePid));
  const connectPss = bridges.map((b) => pssBytes(b.bridgePid));
  for (const b of bridges) await b.close();

  // (b) one gateway bridge per client, over all ten servers
  const gateways: { client: Client; pid: number }[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    const transport = new StdioClientTransport({ command: nodeBin, args: [join(repoRoot, 'dist/cli.js'), 'gateway', '--state-dir', home.stateDir], env: home.env as Record<string, string>, stderr: 'ignore' });
    const client = new Client({ name: `gateway${c}`, version: '1' });
    await client.connect(transport);
    for (const n of names) await client.callTool({ ...call, name: `${n}__${call.name}` });
    gateways.push({ client, pid: transport.pid! });
  }
  await settle();
  const gatewayBridges = footprint(gateways.map((g) => g.pid));
  const gatewayEngine = footprint([enginePid]);
  const gatewayServers = footprint(serverPids());
  const gatewayRss = gateways.map((g) => rssBytes(g.pid));
  const gatewayPss = gateways.map((g) => pssBytes(g.pid));
  for (const g of gateways) await g.client.close();

  // (c) HTTP clients: no bridge process at all
  const https: Awaited<ReturnType<typeof connectOverHttp>>[] = [];
  const socketPath = engine.status().endpoints.unixSocket!;
  for (let c = 0; c < CLIENTS; c++) {
    for (const n of names) {
      const h = await connectOverHttp(`http://localhost/mcp/${n}`, { socketPath });
      await h.client.callTool(call);
      https.push(h);
    }
  }
  await settle();
  const httpEngine = footprint([enginePid]);
  const httpServers = footprint(serverPids());
  for (const h of https) await h.close();

  engine.child.kill('SIGTERM');
  await waitFor('the engine to exit', () => engine.child.exitCode !== null, 30_000);
  killAll(serverPids());

  const viaConnect = sum(servers, connectBridges, connectEngine);
  const viaGateway = sum(gatewayServers, gatewayBridges, gatewayEngine);
  const viaHttp = sum(httpServers, httpEngine);
  return {
    serverLaunch: kind === 'node' ? 'node fixture (1 process per server)' : `npx -y ${NPX_PACKAGE} (npm exec + sh + node per server)`,
    clients: CLIENTS,
    servers: SERVERS,
    eachSpawnsOwn: mb(ownFootprint),
    warden: {
      servers: mb(servers),
      engineWith30ConnectSessions: mb(connectEngine),
      connectBridges: { ...mb(connectBridges), total: mb(viaConnect), ratio: ratio(ownFootprint, viaConnect) },
      gatewayBridges: { ...mb(gatewayBridges), total: mb(viaGateway), ratio: ratio(ownFootprint, viaGateway) },
      http: { total: mb(viaHttp), ratio: ratio(ownFootprint, viaHttp) },
    },
    // With N clients each spawning S trees of P processes, Warden runs S trees + 1 engine (+ bridges):
    // N·S·P / (S·P + 1) < N, so 3 clients stay under 3× whatever the servers weigh.
    bestPossibleProcessRatio: round((CLIENTS * SERVERS * (ownFootprint.processes / (CLIENTS * SERVERS))) / (SERVERS * (ownFootprint.processes / (CLIENTS * SERVERS)) + 1), 2),
    bridgeRssMB: { connect: round(median(connectRss) / MB, 1), gateway: round(median(gatewayRss) / MB, 1) },
    bridgePssMB: { connect: round(median(connectPss) / MB, 1), gateway: round(median(gatewayPss) / MB, 1) },
    engineRssMB: { idleWithServers: round(engineIdleRss / MB, 1), with30Sessions: round(connectEngine.rssBytes / MB, 1), sessions },
  };
}

async function sharing(): Promise<Record<string, unknown>> {
  return { node: await sharingOf('node'), npx: await sharingOf('npx') };
}

/**
 * Lazy start through the daemon: tools/list answered from the cache (no spawn) vs the first run that spawns; a first
 * call that starts the server vs the server's own start (spawn + initialize + tools/list, timed directly).
 */
async function lazyStart(): Promise<Record<string, unknown>> {
  const MARK = `bench-lazy-${process.pid}`;
  const home = wardenHome('bench-lazy', { lz: fixtureServer('tiny', { WARDEN_BENCH_MARK: MARK }, { idleStopSec: 600 }) });
  const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '600' };
  const RUNS = 15;
  const spawnList: number[] = [];
  const cachedList: number[] = [];
  const firstCall: number[] = [];
  const ownStart: number[] = [];
  let daemon = 0;
  for (let i = 0; i < RUNS; i++) {
    // The server's own start, as a client spawning it would see it.
    const t0 = performance.now();
    const direct = new Client({ name: 'bench', version: '1' });
    await direct.connect(new StdioClientTransport({ command: nodeBin, args: [fixture('tiny')], stderr: 'ignore' }));
    await direct.listTools();
    ownStart.push(performance.now() - t0);
    await direct.close();

    const c = await connectThroughBridge(home.stateDir, env, 'lz');
    daemon = Number(JSON.parse(readFileSync(`${home.stateDir}/engine.lock`, 'utf8')).pid);
    const running = procsWithEnvMarker('WARDEN_BENCH_MARK', MARK).length > 0;
    const t1 = performance.now();
    await c.client.listTools();
    const listMs = performance.now() - t1;
    if (i === 0) spawnList.push(listMs);
    else if (!running && procsWithEnvMarker('WARDEN_BENCH_MARK', MARK).length === 0) cachedList.push(listMs);
    const t2 = performance.now();
    await c.client.callTool({ name: 'ping', arguments: {} });
    if (i > 0) firstCall.push(performance.now() - t2);
    await c.close();
    await waitFor('the lazy server to stop', () => procsWithEnvMarker('WARDEN_BENCH_MARK', MARK).length === 0, 15_000);
  }
  if (daemon) process.kill(daemon, 'SIGTERM');
  await waitFor('the daemon to exit', () => !isRunning(daemon), 15_000).catch(() => killAll([daemon]));
  return {
    runs: RUNS,
    toolsListFirstRunSpawningMs: round(spawnList[0] ?? NaN, 2),
    toolsListFromCacheMs: { p50: round(median(cachedList), 3), max: round(Math.max(...cachedList), 3), samples: cachedList.length },
    serverOwnStartMs: round(median(ownStart), 1),
    firstCallStartingServerMs: round(median(firstCall), 1),
    firstCallOverOwnStartMs: round(median(firstCall) - median(ownStart), 1),
  };
}

void (async () => {
  const loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  const lazy = await lazyStart();
  console.log('lazy', JSON.stringify(lazy));
  const lat = await latency();
  console.log('latency', JSON.stringify(lat));
  const share = await sharing();
  console.log('sharing', JSON.stringify(share));
  const loadAverageAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  writeResults('sessions', { loadAverage: { before: loadAverage, after: loadAverageAfter }, latency: lat, sharing: share, lazyStart: lazy });
  process.exit(0);
})().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
