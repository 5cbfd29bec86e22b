// Lazy start with real processes: after a server's first run the daemon answers initialize and tools/list from the
// cache in the state dir (0600 file, 0700 dir) with no process spawned (checked in /proc); the first call spawns it;
// after a short idleStopSec it stops while the client stays; a command broken since the cache was made fails the
// first call at once with its exit status and stderr; a list that changed since the cache was made is announced.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { fixture, nodeBin, tempDir } from '../../support/fixtures';
import { SeenProcesses, isRunning, killAll, listProcs, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cli, connectThroughBridge, wardenHome } from '../../support/wardenClients';

const MARK = `lazy-${process.pid}-${Date.now()}`;
// pid + start time: a pid reused by another process after ours exited is not ours to report or kill.
const started = new SeenProcesses();

after(() => {
  const left = [...procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), ...started.alive()];
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the lazy-start tests');
});

/** A server entry that runs `script` (a file we may rewrite later: the config, hence its hash, stays the same). */
function wrapped(label: string, warden?: Record<string, unknown>) {
  const script = join(tempDir(label), 'server.mjs');
  writeFileSync(script, `await import(${JSON.stringify(pathToFileURL(fixture('well-behaved')).href)});\n`);
  return { script, entry: { command: nodeBin, args: [script], env: { WARDEN_TEST_MARK: MARK }, ...(warden ? { warden } : {}) } };
}

const servers = () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK);
const daemonOf = (stateDir: string) => (JSON.parse(readFileSync(join(stateDir, 'engine.lock'), 'utf8')) as { pid: number }).pid;

async function stopDaemon(stateDir: string): Promise<void> {
  const pid = daemonOf(stateDir);
  started.add(pid);
  process.kill(pid, 'SIGTERM');
  await waitFor('the daemon to exit', () => !isRunning(pid), 20_000, 100);
}

describe('lazy start', () => {
  it('answers initialize and tools/list from the cache with no process spawned, through connect and the gateway; the first call spawns; idleStopSec stops it', async () => {
    const { entry } = wrapped('lazy-cache', { idleStopSec: 1 });
    const home = wardenHome('lazy-cache', { echo: entry });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '120' };
    // First run: the server starts for its first client, and what it listed is saved.
    const first = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(first.bridgePid);
    assert.deepEqual((await first.client.listTools()).tools.map((t) => t.name).sort(), ['add', 'echo', 'sleep']);
    const dir = join(home.stateDir, 'lazy');
    await waitFor('the cache file', () => readdirSync(dir).some((f) => f.endsWith('.json')), 10_000);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.equal(statSync(join(dir, file!)).mode & 0o777, 0o600);
    await first.close();
    await waitFor('the server to stop with its last client', () => servers().length === 0, 15_000);

    // Second client: initialize and tools/list come from the cache — nothing is spawned.
    const second = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(second.bridgePid);
    assert.equal(second.client.getServerVersion()?.name, 'fixture-well-behaved');
    const tools = await second.client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['add', 'echo', 'sleep']);
    assert.ok(tools.tools.find((t) => t.name === 'add')?.inputSchema.properties?.a, 'the cached list keeps the schemas');
    assert.equal(servers().length, 0, 'tools/list from the cache spawned a process');
    // The first call spawns it, under the daemon.
    const r = await second.client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    assert.deepEqual(r.content, [{ type: 'text', text: '42' }]);
    const [proc] = servers();
    assert.ok(proc, 'the call started the server');
    assert.equal(proc.ppid, daemonOf(home.stateDir));
    // idleStopSec = 1: it stops while the client stays connected, and the next call starts it again.
    await waitFor('the idle server to stop', () => servers().length === 0, 20_000, 100);
    assert.ok(isRunning(second.bridgePid), 'the client is still connected');
    assert.deepEqual((await second.client.callTool({ name: 'echo', arguments: { text: 'again' } })).content, [{ type: 'text', text: 'again' }]);
    assert.equal(servers().length, 1);
    await second.close();
    await waitFor('the server to stop with its last client', () => servers().length === 0, 15_000);

    // The gateway's lists come from the same cache: nothing spawns until a call.
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'gateway', '--state-dir', home.stateDir], env: env as Record<string, string>, stderr: 'ignore' });
    const gateway = new Client({ name: 'lazy-gateway', version: '1' });
    await gateway.connect(transport);
    started.add(transport.pid!);
    assert.deepEqual((await gateway.listTools()).tools.map((t) => t.name).sort(), ['echo__add', 'echo__echo', 'echo__sleep']);
    assert.equal(servers().length, 0, 'the gateway\'s tools/list spawned a process');
    // The call starts it (its answer is the proof: idleStopSec = 1 may already have stopped it again).
    assert.deepEqual((await gateway.callTool({ name: 'echo__add', arguments: { a: 1, b: 2 } })).content, [{ type: 'text', text: '3' }]);
    await gateway.close();
    await stopDaemon(home.stateDir);
  });

  // The launcher that joins a server's cgroups before exec is one more Node start; a spare started ahead (when a client
  // is answered from the cache, or when the daemon stops a lazy server) takes it off the first call.
  it('a lazy first call runs through a spare launcher started ahead: the server is that pid, contained and in the registry; a spare leaves with a killed engine', { skip: process.platform !== 'linux' ? 'Linux only' : undefined }, async () => {
    const { entry } = wrapped('lazy-spare');
    const home = wardenHome('lazy-spare', { echo: entry });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '120' };
    const first = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(first.bridgePid);
    await first.client.listTools();
    const daemon = daemonOf(home.stateDir);
    started.add(daemon);
    const status = JSON.parse(spawnSync(process.execPath, [cli, 'status', '--json', '--state-dir', home.stateDir], { encoding: 'utf8', env }).stdout) as { helper: { containment?: { backend?: string } } };
    const spares = () => listProcs().filter((p) => p.ppid === daemon && p.cmdline.includes('launcher.js') && p.cmdline.includes('--wait'));
    if (!status.helper.containment?.backend?.startsWith('cgroup')) {
      await first.close();
      await stopDaemon(home.stateDir);
      return; // no cgroup backend on this machine: servers start without a launcher, so there is nothing to keep spare
    }
    await first.close();
    await waitFor('the server to stop with its last client', () => servers().length === 0, 15_000);
    const [spare] = await waitFor('a spare launcher under the daemon', () => (spares().length === 1 ? spares() : null), 15_000, 100);
    started.add(spare!.pid);
    const registry = () => readdirSync(join(home.stateDir, 'registry')).filter((f) => f.endsWith('.json')).flatMap((f) => (JSON.parse(readFileSync(join(home.stateDir, 'registry', f), 'utf8')) as { entries: { pid: number; server: string; cgroups: string[] }[] }).entries);
    assert.ok(registry().some((e) => e.pid === spare!.pid), 'the spare is in the registry before it becomes a server');

    const second = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(second.bridgePid);
    assert.deepEqual((await second.client.callTool({ name: 'add', arguments: { a: 2, b: 40 } })).content, [{ type: 'text', text: '42' }]);
    const [server] = servers();
    assert.equal(server?.pid, spare!.pid, 'the server is the spare launcher, exec\'d in place');
    assert.match(readFileSync(`/proc/${server!.pid}/cgroup`, 'utf8'), /mcp-warden/, 'and it runs in its cgroup');
    assert.equal(readlinkSync(`/proc/${server!.pid}/cwd`), readlinkSync(`/proc/${daemon}/cwd`), 'in the directory a spawned server would start in (no cwd configured)');
    const recorded = registry().find((e) => e.pid === server!.pid);
    assert.equal(recorded?.server, 'echo');
    assert.ok(recorded!.cgroups.length > 0);
    await second.close();
    await waitFor('the server to stop with its last client', () => servers().length === 0, 15_000);
    const [killed] = await waitFor('another spare', () => (spares().length === 1 ? spares() : null), 15_000, 100);
    started.add(killed!.pid);
    // A spare that died before it was needed is not used: the next first call spawns as before, and still answers.
    process.kill(killed!.pid, 'SIGKILL');
    const third = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(third.bridgePid);
    assert.deepEqual((await third.client.callTool({ name: 'echo', arguments: { text: 'after a dead spare' } })).content, [{ type: 'text', text: 'after a dead spare' }]);
    assert.notEqual(servers()[0]?.pid, killed!.pid);
    await third.close();
    await waitFor('the server to stop with its last client', () => servers().length === 0, 15_000);
    const [next] = await waitFor('a spare again', () => (spares().length === 1 ? spares() : null), 15_000, 100);
    started.add(next!.pid);
    // kill -9 of the engine: the spare's stdin closes and it leaves by itself.
    process.kill(daemon, 'SIGKILL');
    await waitFor('the spare to leave with its engine', () => !isRunning(next!.pid), 10_000, 100);
  });

  it('a command broken since the cache was made fails the first call at once with its exit status and stderr', async () => {
    const { script, entry } = wrapped('lazy-broken');
    const home = wardenHome('lazy-broken', { echo: entry });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '120' };
    const first = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(first.bridgePid);
    await first.client.listTools();
    await waitFor('the cache file', () => readdirSync(join(home.stateDir, 'lazy')).length > 0, 10_000);
    await first.close();
    await waitFor('the server to stop', () => servers().length === 0, 15_000);
    writeFileSync(script, `process.stderr.write('broken on purpose\\n'); process.exit(3);\n`);

    const second = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(second.bridgePid);
    assert.equal((await second.client.listTools()).tools.length, 3, 'the list still comes from the cache');
    const t0 = Date.now();
    await assert.rejects(second.client.callTool({ name: 'echo', arguments: { text: 'x' } }), (err: Error) => {
      assert.match(err.message, /code 3/);
      assert.match(err.message, /broken on purpose/);
      return true;
    });
    // Generous: a hang would reach the request timeout (60 s); a failed start is answered in well under that.
    assert.ok(Date.now() - t0 < 20_000, `the failed start took ${Date.now() - t0} ms`);
    await second.close();
    await stopDaemon(home.stateDir);
  });

  it('a list that changed since the cache was made updates the cache and sends list_changed after the start', async () => {
    const { entry } = wrapped('lazy-changed');
    const home = wardenHome('lazy-changed', { echo: entry });
    const env = { ...home.env, MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '120' };
    const first = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(first.bridgePid);
    await first.client.listTools();
    const dir = join(home.stateDir, 'lazy');
    await waitFor('the cache file', () => readdirSync(dir).length > 0, 10_000);
    await first.close();
    await stopDaemon(home.stateDir);
    // An older cache: the server had only `echo` then.
    const file = join(dir, readdirSync(dir)[0]!);
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { lists: { tools: { tools: { name: string }[] } } };
    cached.lists.tools.tools = cached.lists.tools.tools.filter((t) => t.name === 'echo');
    writeFileSync(file, JSON.stringify(cached), { mode: 0o600 });

    const second = await connectThroughBridge(home.stateDir, env, 'echo');
    started.add(second.bridgePid);
    let changed = 0;
    second.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    assert.deepEqual((await second.client.listTools()).tools.map((t) => t.name), ['echo']);
    await second.client.callTool({ name: 'echo', arguments: { text: 'start' } });
    await waitFor('tools/list_changed', () => changed > 0, 15_000);
    assert.deepEqual((await second.client.listTools()).tools.map((t) => t.name).sort(), ['add', 'echo', 'sleep']);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as typeof cached;
    assert.equal(saved.lists.tools.tools.length, 3, 'the cache is updated');
    await second.close();
    await stopDaemon(home.stateDir);
  });
});
