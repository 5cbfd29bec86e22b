// Editor windows as clients of the per-user engine, with a real daemon (started on demand by the extension's own
// connection module), real window stand-ins (child processes that attach, configure and call through their agent's
// HTTP session) and a real terminal agent (`mcp-warden connect`): kill -9 of a window ends its sessions and stops the
// servers only it used, within shutdownGraceMs + 1 s, while what another window or the terminal agent uses runs on.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AttachWindowRequest, ConfigureRequest, ShutdownRequest, SnapshotRequest, type ConfigureParams, type WardenSnapshot } from '../../../src/shared/protocol';
import { connectEngine, lockPid, type EngineLink } from '../../../src/extension/engineConnection';
import { fixtureServer, repoRoot } from '../../support/fixtures';
import { SeenProcesses, isRunning, killAll, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { cli, connectThroughBridge, engineSessions, wardenHome, type BridgeClient } from '../../support/wardenClients';

const MARK = `windows-${process.pid}-${Date.now()}`;
const GRACE_MS = 1500;
const marked = (who: string) => fixtureServer('well-behaved', { CHILDREN: '1', WARDEN_TEST_MARK: MARK, WARDEN_TEST_WHO: `${MARK}-${who}` }, { shutdownGraceMs: GRACE_MS });
// The engine's own user config: servers every window and terminal agent may use.
const home = wardenHome('windows', { shared: marked('shared'), term: marked('term') });
const userFile = join(home.configDir, 'servers.json');
const wsFile = (name: string, servers: Record<string, unknown>) => {
  const dir = join(home.stateDir, '..', name, '.vscode');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'mcp.json');
  writeFileSync(path, JSON.stringify({ servers }));
  return path;
};
const fileA = wsFile('a', { 'a-solo': marked('a-solo') });
const fileB = wsFile('b', { 'b-solo': marked('b-solo') });
const treeOf = (who: string) => procsWithEnvMarker('WARDEN_TEST_WHO', `${MARK}-${who}`);
const pids = new SeenProcesses();
let windowB: EngineLink | undefined;
let standIn: ChildProcess | undefined;
let bridge: BridgeClient | undefined;
let enginePid = 0;

function startStandIn(params: ConfigureParams, agentServer: string): Promise<{ child: ChildProcess; ready: { windowId: string; enginePid: number; started: boolean; servers: string[] } }> {
  const child = spawn(process.execPath, [join(repoRoot, 'out/test/support/windowClient.entry.js'), JSON.stringify({ stateDir: home.stateDir, cli, params, agentServer })], {
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pids.add(child.pid!);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-10_000)));
  return waitFor('the window stand-in to be ready', () => {
    if (child.exitCode !== null) throw new Error(`the window stand-in exited ${child.exitCode}: ${err}`);
    const line = out.split('\n').find((l) => l.startsWith('ready '));
    return line ? { child, ready: JSON.parse(line.slice(6)) } : null;
  }, 60_000, 50);
}

async function snapshot(link: EngineLink): Promise<WardenSnapshot> {
  return link.connection.sendRequest(SnapshotRequest.type);
}

before(async () => {
  // The first window starts the engine (no daemon answers yet); the second finds it.
  const a = await startStandIn({ files: [{ path: userFile, origin: 'user', trusted: true }, { path: fileA, origin: 'workspace', trusted: true, workspaceFolder: join(fileA, '..', '..') }], autoStart: true }, 'shared');
  standIn = a.child;
  assert.equal(a.ready.started, true, 'the first window did not start the engine');
  assert.deepEqual(a.ready.servers.sort(), ['a-solo', 'shared', 'term']);
  enginePid = a.ready.enginePid;
  pids.add(enginePid);
  assert.equal(lockPid(home.stateDir), enginePid);
  windowB = await connectEngine({ nodePath: process.execPath, env: { MCP_WARDEN_CONFIG_DIR: home.configDir }, cliModule: cli, stateDir: home.stateDir, idleExitSec: 600 });
  windowB.connection.listen();
  assert.equal(windowB.started, false);
  assert.equal(windowB.enginePid, enginePid, 'the second window reached another engine');
  await windowB.connection.sendRequest(AttachWindowRequest.type, { windowId: randomUUID(), label: 'window b', pid: process.pid });
  // Window B lists the engine's user config too, but does not auto-start it: it holds only its own workspace server.
  const report = await windowB.connection.sendRequest(ConfigureRequest.type, { files: [{ path: fileB, origin: 'workspace', trusted: true }], autoStart: true });
  assert.deepEqual(report.servers.map((s) => s.name), ['b-solo']);
  bridge = await connectThroughBridge(home.stateDir, home.env, 'term', { name: 'claude-code' });
  pids.add(bridge.bridgePid);
  await bridge.client.callTool({ name: 'echo', arguments: { text: 'from the terminal' } });
});

after(async () => {
  await bridge?.close().catch(() => undefined);
  windowB?.close();
  if (standIn && standIn.exitCode === null) standIn.kill('SIGKILL');
  // The daemon this test caused, by the pid in its lock (it would idle-exit later; no test leaves processes behind).
  if (enginePid && isRunning(enginePid)) {
    process.kill(enginePid, 'SIGTERM');
    await waitFor('the engine to exit', () => !isRunning(enginePid), 20_000).catch(() => undefined);
  }
  const left = [...procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), ...pids.alive()];
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the window tests');
});

describe('windows as clients of the engine', { timeout: 180_000 }, () => {
  it('one engine, one picture: both windows, the terminal agent and every server in one snapshot, each server once', async () => {
    const snap = await snapshot(windowB!);
    assert.equal(snap.helper.pid, enginePid);
    assert.deepEqual(snap.helper.windows?.map((w) => w.label).sort(), ['stand-in window', 'window b']);
    for (const name of ['shared', 'term', 'a-solo', 'b-solo']) {
      assert.equal(snap.servers.find((s) => s.name === name)?.state, 'running', `${name} is not running`);
      // One server process (its idle child beside it): one tree, whoever uses it.
      await waitFor(`${name}: one tree`, () => treeOf(name).length === 2, 15_000);
    }
    const info = await engineSessions(home.stateDir, enginePid);
    assert.deepEqual(info.instances.map((i) => i.server).sort(), ['shared', 'term'], 'the agent and the bridge each reached the configured server itself');
  });

  it('kill -9 of a window ends its sessions and stops what only it used within shutdownGraceMs + 1 s; the rest runs on', async () => {
    const solo = treeOf('a-solo');
    const shared = treeOf('shared');
    assert.equal(solo.length, 2);
    const killedAt = Date.now();
    standIn!.kill('SIGKILL');
    await waitFor('a-solo and shared (only the killed window used them) to stop', () => treeOf('a-solo').length === 0 && treeOf('shared').length === 0, 15_000, 50);
    const elapsedMs = Date.now() - killedAt;
    assert.ok(elapsedMs <= GRACE_MS + 1000, `the killed window's servers took ${elapsedMs} ms to stop (limit ${GRACE_MS + 1000} ms)`);
    for (const p of [...solo, ...shared]) assert.equal(isRunning(p.pid), false, `${p.pid} survived`);
    // The terminal agent's server and window B's run on, in the same engine.
    assert.equal(treeOf('term').length, 2);
    assert.equal(treeOf('b-solo').length, 2);
    assert.equal(isRunning(enginePid), true);
    const info = await engineSessions(home.stateDir, enginePid);
    assert.deepEqual(info.instances.map((i) => i.server), ['term'], 'the killed window\'s agent session is still attached');
    assert.equal(info.sizes.sessions, 1);
    const snap = await snapshot(windowB!);
    assert.deepEqual(snap.helper.windows?.map((w) => w.label), ['window b']);
    assert.equal(snap.servers.some((s) => s.name === 'a-solo'), false, 'the killed window\'s own server is still configured');
    const echoed = await bridge!.client.callTool({ name: 'echo', arguments: { text: 'still here' } });
    assert.match(JSON.stringify(echoed), /still here/);
    console.log(`# kill -9 of a window: its servers stopped ${elapsedMs} ms later (grace ${GRACE_MS} ms)`);
  });

  it('the terminal agent leaving stops the server it alone used; the last window detaching stops its own', async () => {
    await bridge!.close();
    bridge = undefined;
    await waitFor('term to stop once its last client left', () => treeOf('term').length === 0, GRACE_MS + 5000, 50);
    const r = await windowB!.connection.sendRequest(ShutdownRequest.type, { reason: 'window closed' });
    assert.deepEqual(r.stopped, ['b-solo']);
    assert.deepEqual(r.survivors, []);
    assert.equal(treeOf('b-solo').length, 0);
    assert.deepEqual(procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), []);
    // The engine itself stays (it idle-exits later); after() stops it by its lock's pid.
    assert.equal(isRunning(enginePid), true);
  });
});
