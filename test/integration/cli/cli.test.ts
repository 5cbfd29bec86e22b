// `mcp-warden run` in the foreground and the control-socket commands against it, as a user would type them.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureServer, repoRoot, tempDir, writeConfig } from '../../support/fixtures';
import { SeenProcesses, descendants, killAll, waitFor } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');
const stateDir = tempDir('cli');
let run: ChildProcess;
let out = '';
/** Every process the tests saw (the helper's servers and their trees) by pid and start time: a pid reused after
 * ours exited is neither reported as a leak nor killed. */
const seen = new SeenProcesses();

function mcpWarden(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
}

interface StatusJson {
  helper: { pid: number; rssBytes: number; heapUsedBytes: number };
  servers: { name: string; state: string; pid: number | null; rssBytes: number; memoryBytes: number; memorySource: string; containment: { backend: string; detail: string }; children: number; restarts: number; tools: string[]; lastError: string | null }[];
}

function status(): StatusJson {
  // Options after the positional on purpose.
  const r = mcpWarden('status', '--json', '--state-dir', stateDir);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as StatusJson;
  for (const srv of s.servers) if (srv.pid) seen.add(srv.pid);
  return s;
}

before(async () => {
  const config = writeConfig(stateDir, {
    servers: { good: fixtureServer('well-behaved', { CHILDREN: '2' }), tree: fixtureServer('grandchildren'), broken: { command: 42 } },
  });
  // Options before the command this time.
  run = spawn(process.execPath, [cli, '--state-dir', stateDir, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  run.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await waitFor('both servers running', () => {
    const r = mcpWarden('status', '--json', '--state-dir', stateDir);
    if (r.status !== 0) return false;
    const s = JSON.parse(r.stdout) as StatusJson;
    return s.servers.filter((x) => x.state === 'running').length === 2 && s.servers.every((x) => x.state !== 'running' || x.children > 0);
  }, 30_000, 200);
});

after(async () => {
  // The helper is still running when a test before SIGINT failed or was not selected: its tree is read first, so
  // whatever it leaves behind is found, and it is stopped as a user would (a SIGKILL would orphan its servers).
  if (run.exitCode === null) {
    for (const p of descendants(run.pid!)) seen.add(p.pid);
    const exited = new Promise((r) => run.once('exit', r));
    run.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (run.exitCode === null && run.signalCode === null) run.kill('SIGKILL');
  }
  const leaked = seen.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes survived the CLI tests');
});

describe('mcp-warden CLI', () => {
  it('status --json has the documented shape', () => {
    const s = status();
    assert.deepEqual(Object.keys(s.helper).sort(), ['containment', 'heapUsedBytes', 'pid', 'rssBytes']);
    assert.equal(s.helper.pid, run.pid);
    const good = s.servers.find((x) => x.name === 'good')!;
    assert.deepEqual(Object.keys(good).sort(), ['children', 'containment', 'lastError', 'memoryBytes', 'memorySource', 'name', 'pid', 'restarts', 'rssBytes', 'state', 'tools', 'usage']);
    assert.equal(good.children, 2);
    assert.ok(good.rssBytes > 10 * 1024 * 1024);
    // The true figure (cgroup charge or PSS) is never above summed RSS, which counts shared pages once per process.
    assert.ok(good.memoryBytes > 0 && good.memoryBytes <= good.rssBytes, `memory ${good.memoryBytes} vs RSS ${good.rssBytes}`);
    assert.equal(typeof good.containment.backend, 'string');
    assert.deepEqual(good.tools.sort(), ['add', 'echo', 'sleep']);
    assert.equal(s.servers.some((x) => x.name === 'broken'), false, 'the invalid entry is skipped, the others run');
  });

  it('prints one JSON line per event when stdout is not a TTY, including the config problem', () => {
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; message: string });
    assert.ok(lines.some((l) => l.kind === 'config-problem' && /"broken".*"command" must be a non-empty string/.test(l.message)));
    assert.ok(lines.some((l) => l.kind === 'state' && /`good` is running/.test(l.message)));
  });

  it('stop and start change the OS process table; call runs a tool', async () => {
    const before = status().servers.find((x) => x.name === 'good')!;
    const pid = before.pid!;
    const stop = mcpWarden('stop', 'good', '--state-dir', stateDir);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(seen.running(pid), false);
    const start = mcpWarden('start', 'good', '--state-dir', stateDir);
    assert.equal(start.status, 0, start.stderr);
    const after = status().servers.find((x) => x.name === 'good')!;
    assert.equal(after.state, 'running');
    seen.add(after.pid!);
    assert.ok(seen.running(after.pid!));
    const call = mcpWarden('call', 'good', 'echo', '{"text":"hello from the CLI"}', '--state-dir', stateDir);
    assert.equal(call.status, 0, call.stderr);
    assert.equal(call.stdout.trim(), 'hello from the CLI');
    const bad = mcpWarden('call', 'good', 'echo', '{not json', '--state-dir', stateDir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /not valid JSON/);
    const unknown = mcpWarden('stop', 'nope', '--state-dir', stateDir);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /No server named "nope"/);
  });

  it('says clearly when no helper is running', () => {
    const r = mcpWarden('status', '--state-dir', tempDir('empty'));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /no running MCP Warden helper/);
  });

  it('SIGINT stops every server and exits 0, leaving zero processes', async () => {
    // Every server and every process under it or under the helper (children, grandchildren), from the OS table.
    const servers = status().servers.flatMap((srv) => (srv.pid ? [srv.pid] : []));
    const tree = new SeenProcesses();
    for (const pid of [...servers, ...[run.pid!, ...servers].flatMap((root) => descendants(root).map((p) => p.pid))]) {
      tree.add(pid);
      seen.add(pid);
    }
    assert.ok(tree.alive().length >= 8, `expected the servers' trees, found ${tree.alive().length}`);
    run.kill('SIGINT');
    const code = await new Promise<number | null>((r) => run.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.deepEqual(tree.alive(), [], 'processes of the helper survived its SIGINT');
  });
});
