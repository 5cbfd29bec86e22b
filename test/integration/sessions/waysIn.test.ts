// The ways in, with real processes and real clients: the SDK client through `mcp-warden connect` (which starts a
// daemon on demand), over Streamable HTTP on the engine's unix socket and on 127.0.0.1 with the token (401/403
// otherwise), the Inspector CLI through connect; one engine per state dir; and kill -9 of a bridge and of the engine.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixtureServer, repoRoot } from '../../support/fixtures';
import { SeenProcesses, isRunning, killAll, procsWithEnvMarker, waitFor, sleep } from '../../support/procfs';
import {
  cli,
  connectOverHttp,
  connectThroughBridge,
  engineSessions,
  INITIALIZE,
  mcpWarden,
  rawPost,
  readToken,
  startEngineProcess,
  status,
  wardenHome,
  type EngineHandle,
} from '../../support/wardenClients';

const MARK = `ways-in-${process.pid}-${Date.now()}`;
const marked = (name: string, env: Record<string, string> = {}, warden?: Record<string, unknown>) => fixtureServer(name, { WARDEN_TEST_MARK: MARK, ...env }, warden);
// pid + start time: a pid reused by another process after ours exited is not ours to report or kill.
const started = new SeenProcesses();
const track = (pid: number | undefined) => started.add(pid);

after(() => {
  const left = [...procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), ...started.alive()];
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the ways-in tests');
});

function lockPid(stateDir: string): number {
  return (JSON.parse(readFileSync(join(stateDir, 'engine.lock'), 'utf8')) as { pid: number }).pid;
}

describe('mcp-warden connect and daemon', { timeout: 180_000 }, () => {
  it('connect starts a daemon when none answers; the SDK client lists and calls tools; a second engine names the holder; the daemon leaves when idle', async () => {
    const home = wardenHome('connect', { echo: marked('well-behaved') });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '2' };
    const a = await connectThroughBridge(home.stateDir, env, 'echo');
    track(a.bridgePid);
    const daemonPid = lockPid(home.stateDir);
    track(daemonPid);
    assert.notEqual(daemonPid, a.bridgePid, 'the bridge does not run the engine');
    const tools = await a.client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['add', 'echo', 'sleep']);
    const r = await a.client.callTool({ name: 'echo', arguments: { text: 'through warden' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'through warden' }]);
    // The server runs under the engine, not under the bridge.
    const [server] = procsWithEnvMarker('WARDEN_TEST_MARK', MARK).filter((p) => p.cmdline.includes('well-behaved'));
    assert.ok(server, 'the server runs');
    assert.equal(server.ppid, daemonPid, 'the engine is the server\'s parent');

    const s = status(home.stateDir, env);
    assert.equal(s.helper.pid, daemonPid);
    // The memory store's MCP server is answered in-process at /mcp/mcp-warden-memory (VS Code's agent is offered it).
    assert.deepEqual(s.endpoints, { unixSocket: join(home.stateDir, 'engine.sock'), http: null, tokenFile: null, builtins: ['mcp-warden-memory'] });
    assert.equal(statSync(join(home.stateDir, 'engine.sock')).mode & 0o777, 0o600);

    // One engine per state dir: a second daemon and a `run` both refuse, naming the pid.
    const second = mcpWarden(env, 'daemon', '--state-dir', home.stateDir);
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`pid ${daemonPid}`));
    const run = mcpWarden(env, 'run', '--state-dir', home.stateDir);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, new RegExp(`pid ${daemonPid}`));

    await a.close();
    await waitFor('the bridge to exit', () => !isRunning(a.bridgePid), 10_000);
    // No clients, no running servers: the daemon leaves after daemonIdleExitSec (2 s here) and takes its files with it.
    await waitFor('the idle daemon to exit', () => !isRunning(daemonPid), 20_000, 200);
    assert.equal(procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length, 0);
    assert.throws(() => statSync(join(home.stateDir, 'engine.sock')));
    assert.throws(() => statSync(join(home.stateDir, 'engine.lock')));
  });

  it('an unknown server gets a clear error from connect, and a bad argument a usage line', () => {
    const home = wardenHome('connect-unknown', { echo: marked('well-behaved') });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '1' };
    const r = spawnSync(process.execPath, [cli, 'connect', 'nope', '--state-dir', home.stateDir], { encoding: 'utf8', env, input: '', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No server named "nope".*configured: echo/);
    track(lockPid(home.stateDir));
    const u = spawnSync(process.execPath, [cli, 'connect', '--state-dir', home.stateDir], { encoding: 'utf8', env, timeout: 30_000 });
    assert.equal(u.status, 2);
    assert.match(u.stderr, /usage: mcp-warden connect NAME/);
  });

  it("the Inspector CLI lists and calls tools through connect", async () => {
    const home = wardenHome('inspector', { echo: marked('well-behaved') });
    const engine = await startEngineProcess(home.stateDir, home.env);
    track(engine.child.pid);
    try {
      const inspector = join(repoRoot, 'node_modules/.bin/mcp-inspector');
      const base = ['--cli', process.execPath, cli, 'connect', 'echo', '--state-dir', home.stateDir];
      const list = spawnSync(inspector, [...base, '--method', 'tools/list'], { encoding: 'utf8', timeout: 60_000, env: home.env });
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /"echo"/);
      const call = spawnSync(inspector, [...base, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=2', '--tool-arg', 'b=40'], { encoding: 'utf8', timeout: 60_000, env: home.env });
      assert.equal(call.status, 0, call.stderr);
      assert.match(call.stdout, /42/);
    } finally {
      engine.child.kill('SIGTERM');
      await waitFor('the engine to exit', () => engine.child.exitCode !== null, 15_000);
    }
  });
});

describe('Streamable HTTP', { timeout: 180_000 }, () => {
  let engine: EngineHandle | undefined;
  after(async () => {
    if (engine && engine.child.exitCode === null) {
      engine.child.kill('SIGTERM');
      await waitFor('the engine to exit', () => engine!.child.exitCode !== null, 15_000);
    }
  });

  it('serves /mcp/NAME on the unix socket and on 127.0.0.1 with the token; refuses a wrong token (401) and a foreign Origin or Host (403)', async () => {
    const home = wardenHome('http', { echo: marked('well-behaved'), sessions: marked('sessions') });
    engine = await startEngineProcess(home.stateDir, home.env, { http: true });
    track(engine.child.pid);
    const { endpoints } = engine.status();
    assert.ok(endpoints.http && endpoints.tokenFile && endpoints.unixSocket);
    assert.match(endpoints.http, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.equal(statSync(endpoints.tokenFile).mode & 0o777, 0o600);
    const token = readToken(endpoints.tokenFile);

    const viaSocket = await connectOverHttp('http://localhost/mcp/echo', { socketPath: endpoints.unixSocket });
    assert.deepEqual((await viaSocket.client.callTool({ name: 'echo', arguments: { text: 'unix' } })).content, [{ type: 'text', text: 'unix' }]);
    const viaTcp = await connectOverHttp(`${endpoints.http}/echo`, { token });
    assert.deepEqual((await viaTcp.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).content, [{ type: 'text', text: '3' }]);
    assert.equal((await engine.sessions()).sizes.sessions, 2);
    // A client with roots over HTTP: Warden asks for them on its first request's stream, and the server sees them.
    const withRoots = await connectOverHttp('http://localhost/mcp/sessions', { socketPath: endpoints.unixSocket, roots: ['file:///http/ws'] });
    assert.deepEqual(JSON.parse((await withRoots.client.callTool({ name: 'roots', arguments: {} }) as { content: { text: string }[] }).content[0]!.text), ['file:///http/ws']);
    await withRoots.close();

    const url = `${endpoints.http}/echo`;
    assert.equal((await rawPost(url, {}, INITIALIZE)).status, 401, 'no token');
    assert.equal((await rawPost(url, { authorization: 'Bearer nope' }, INITIALIZE)).status, 401, 'wrong token');
    assert.equal((await rawPost(url, { authorization: `Bearer ${token}x` }, INITIALIZE)).status, 401, 'token with a suffix');
    const evil = await rawPost(url, { authorization: `Bearer ${token}`, origin: 'http://evil.example' }, INITIALIZE);
    assert.equal(evil.status, 403);
    assert.match(evil.text, /evil\.example/);
    assert.equal((await rawPost(url, { authorization: `Bearer ${token}`, host: 'evil.example' }, INITIALIZE)).status, 403, 'DNS rebinding: a foreign Host');
    assert.equal((await rawPost('http://localhost/mcp/echo', { origin: 'https://evil.example' }, INITIALIZE, endpoints.unixSocket)).status, 403, 'the unix socket checks Origin too');
    assert.equal((await rawPost(`${endpoints.http}/nope`, { authorization: `Bearer ${token}` }, INITIALIZE)).status, 404);
    const ok = await rawPost(url, { authorization: `Bearer ${token}`, origin: 'http://localhost:3000' }, INITIALIZE);
    assert.equal(ok.status, 200, ok.text);

    await viaSocket.close();
    await viaTcp.close();
    await waitFor('the HTTP sessions to end', async () => (await engine!.sessions()).sizes.sessions <= 1, 10_000);
  });

  it('refuses a non-loopback bind', () => {
    const home = wardenHome('http-bind', {});
    const r = mcpWarden(home.env, 'run', '--state-dir', home.stateDir, '--http-port', '0', '--http-host', '0.0.0.0');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /loopback only/);
  });
});

describe('faults', { timeout: 180_000 }, () => {
  it('kill -9 of a bridge ends its session and stops the server it started; kill -9 of the engine makes the bridge exit with a clear message, and the next engine reaps the trees', async () => {
    const home = wardenHome('faults', { tree: marked('well-behaved', { CHILDREN: '2' }) });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '600' };
    const a = await connectThroughBridge(home.stateDir, env, 'tree');
    track(a.bridgePid);
    const daemon = lockPid(home.stateDir);
    track(daemon);
    await a.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await waitFor('the tree (server + 2 children)', () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length === 3, 15_000);
    process.kill(a.bridgePid, 'SIGKILL');
    await waitFor('the session to end', async () => (await engineSessions(home.stateDir, daemon)).sizes.sessions === 0, 15_000);
    await waitFor('the server the session started to stop, tree and all', () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length === 0, 15_000);
    await a.close().catch(() => undefined);

    const b = await connectThroughBridge(home.stateDir, env, 'tree');
    track(b.bridgePid);
    await b.client.callTool({ name: 'echo', arguments: { text: 'y' } });
    await waitFor('the tree again', () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length === 3, 15_000);
    const tree = procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid);
    process.kill(daemon, 'SIGKILL');
    await waitFor('the bridge to exit', () => !isRunning(b.bridgePid), 10_000);
    // Its last stderr chunk can reach us a moment after /proc shows it gone (seen once at a load of 8).
    await waitFor('the bridge to say why it left', () => /engine \(pid \d+\) closed the connection; `tree` is no longer reachable/.test(b.stderr()), 5_000).catch(() => undefined);
    assert.match(b.stderr(), /engine \(pid \d+\) closed the connection; `tree` is no longer reachable/);
    // The engine died with -9, so its server's children live on (they ignore stdin EOF) until the next engine.
    assert.ok(tree.some(isRunning), 'the dead engine left processes (the next engine must reap them)');
    const c = await connectThroughBridge(home.stateDir, env, 'tree');
    track(c.bridgePid);
    const next = lockPid(home.stateDir);
    track(next);
    assert.notEqual(next, daemon);
    await waitFor("the next engine to reap the dead one's trees", () => tree.every((pid) => !isRunning(pid)), 15_000);
    assert.match(readFileSync(join(home.stateDir, 'daemon.log'), 'utf8'), /reaped \d+ orphaned process/);
    assert.deepEqual((await c.client.callTool({ name: 'echo', arguments: { text: 'again' } })).content, [{ type: 'text', text: 'again' }]);
    await c.close();
    process.kill(next, 'SIGTERM');
    await waitFor('the engine to exit', () => !isRunning(next), 15_000);
    assert.equal(procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length, 0);
  });

  it('kill -9 of a client: its bridge exits, its session ends, and the server the daemon started for it stops', async () => {
    const home = wardenHome('faults-client', { tree: marked('well-behaved', { CHILDREN: '1' }) });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '600' };
    const client = spawn(process.execPath, [join(repoRoot, 'out/test/support/bridgeClient.entry.js'), cli, 'tree', home.stateDir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    track(client.pid);
    let out = '';
    client.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const bridgePid = Number((await waitFor('the client to be ready', () => /ready (\d+)/.exec(out), 30_000))[1]);
    track(bridgePid);
    const daemon = lockPid(home.stateDir);
    track(daemon);
    assert.equal(procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length, 2, 'server + child');
    process.kill(client.pid!, 'SIGKILL');
    await waitFor('the bridge to exit', () => !isRunning(bridgePid), 10_000);
    await waitFor('the session to end', async () => (await engineSessions(home.stateDir, daemon)).sizes.sessions === 0, 10_000);
    await waitFor('the server and its child to stop', () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length === 0, 15_000);
    process.kill(daemon, 'SIGTERM');
    await waitFor('the daemon to exit', () => !isRunning(daemon), 15_000);
  });

  it("with `run`, the engine owns what it started: a bridge's kill -9 ends only its session", async () => {
    const home = wardenHome('faults-run', { tree: marked('well-behaved') });
    const engine = await startEngineProcess(home.stateDir, home.env);
    track(engine.child.pid);
    const a = await connectThroughBridge(home.stateDir, home.env, 'tree');
    track(a.bridgePid);
    await a.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    const before = engine.status().servers[0]!.pid;
    process.kill(a.bridgePid, 'SIGKILL');
    await waitFor('the session to end', async () => (await engine.sessions()).sizes.sessions === 0, 15_000);
    assert.equal(engine.status().servers[0]!.state, 'running');
    assert.equal(engine.status().servers[0]!.pid, before);
    await a.close().catch(() => undefined);
    engine.child.kill('SIGTERM');
    await waitFor('the engine to exit', () => engine.child.exitCode !== null, 15_000);
    await sleep(50);
    assert.equal(procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length, 0);
  });
});
