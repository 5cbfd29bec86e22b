// Proves the OS process layer against the real process table: /proc reads, tree collection, termination, registry reaping.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcFsProcessTable } from '../../../src/helper/sampling/procFsTable';
import { collectDescendants, isAlive } from '../../../src/helper/sampling/processTree';
import { terminateTree } from '../../../src/helper/platform/terminate';
import { resolveCommand } from '../../../src/helper/platform/resolveCommand';
import { nodeVersionProblem } from '../../../src/helper/platform/nodeVersion';
import { PidRegistry } from '../../../src/helper/registry/pidRegistry';
import { SeenProcesses, killAll, waitFor } from '../../support/procfs';

const table = new ProcFsProcessTable();
/** How long each wait in this file may take before the test fails. */
const WAIT_MS = 10_000;
/** Every process this file starts, by pid and start time: a pid reused after ours exited is neither a leak nor killed. */
const started = new SeenProcesses();
const IDLE = 'setInterval(() => {}, 1e9)';

function startIdle(detached = true): number {
  const child = spawn(process.execPath, ['-e', IDLE], { detached, stdio: 'ignore' });
  child.unref();
  started.add(child.pid!);
  return child.pid!;
}

/** A parent that forks a middle process which starts a setsid grandchild and exits: the grandchild leaves the tree. */
function startEscapingTree(): Promise<{ root: number; escaped: number }> {
  const middle = `const c=require('child_process').spawn(process.execPath,['-e','${IDLE}'],{detached:true,stdio:'ignore'});console.log(c.pid);process.exit(0)`;
  const parent = `const m=require('child_process').spawn(process.execPath,['-e',${JSON.stringify(middle)}],{stdio:['ignore','pipe','ignore']});m.stdout.on('data',d=>console.log(String(d).trim()));${IDLE}`;
  const child = spawn(process.execPath, ['-e', parent], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  started.add(child.pid!);
  return new Promise((resolve) => child.stdout!.once('data', (d) => {
    const escaped = Number(String(d).trim());
    started.add(escaped);
    child.stdout!.destroy();
    child.unref();
    resolve({ root: child.pid!, escaped });
  }));
}

/** Ends the processes a test left running on purpose (bystanders, spared pids), only if they are still ours. */
async function stopStarted(...pids: number[]): Promise<void> {
  const ours = pids.filter((pid) => started.running(pid));
  killAll(ours);
  await waitFor('the processes to exit', () => ours.every((pid) => !started.running(pid)), WAIT_MS);
}

after(() => {
  // Each test stops what it started: anything still running here was left behind.
  const leaked = started.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'every process this file started is gone');
});

describe('process layer', () => {
  it('/proc table sees a spawned process with its ppid, own group, start time and RSS', async () => {
    const pid = startIdle();
    await waitFor('rss of the child', async () => ((await table.read()).get(pid)?.rssBytes ?? 0) > 0, WAIT_MS);
    const entry = (await table.read()).get(pid)!;
    assert.equal(entry.ppid, process.pid);
    assert.equal(entry.pgid, pid);
    assert.ok(entry.startTime > 0);
    assert.equal(await table.startTimeOf(pid), entry.startTime);
    assert.match(entry.command, /setInterval/);
    await stopStarted(pid);
  });

  it('collectDescendants finds a setsid grandchild that left the tree only through its tracked identity', async () => {
    const { root, escaped } = await startEscapingTree();
    // The middle process exits after starting the grandchild; until it is gone the grandchild is still below root by ppid.
    await waitFor('the escaped grandchild to be reparented', async () => {
      const s = await table.read();
      return s.has(escaped) && !collectDescendants(s, root).some((e) => e.pid === escaped);
    }, WAIT_MS);
    const snap = await table.read();
    const untracked = collectDescendants(snap, root).map((e) => e.pid);
    assert.ok(!untracked.includes(escaped), 'not a descendant by ppid');
    const tracked = collectDescendants(snap, root, [{ pid: escaped, startTime: snap.get(escaped)!.startTime }]).map((e) => e.pid);
    assert.ok(tracked.includes(escaped));
    const result = await terminateTree({ pid: root, pgid: root, startTime: snap.get(root)!.startTime, tracked: [{ pid: escaped, startTime: snap.get(escaped)!.startTime }] }, table, 2000);
    assert.deepEqual(result.survivors, []);
    const after = await table.read();
    assert.ok(!isAlive(after, { pid: escaped, startTime: snap.get(escaped)!.startTime }));
  });

  it('terminateTree never signals a tracked pid whose start time differs (a reused pid)', async () => {
    const root = startIdle();
    const bystander = startIdle();
    await waitFor('both processes', async () => { const s = await table.read(); return s.has(root) && s.has(bystander); }, WAIT_MS);
    const snap = await table.read();
    const result = await terminateTree({ pid: root, pgid: root, startTime: snap.get(root)!.startTime, tracked: [{ pid: bystander, startTime: snap.get(bystander)!.startTime + 1 }] }, table, 2000);
    assert.deepEqual(result.survivors, []);
    const afterSnap = await table.read();
    assert.ok(isAlive(afterSnap, { pid: bystander, startTime: snap.get(bystander)!.startTime }), 'the bystander is untouched');
    assert.ok(!isAlive(afterSnap, { pid: root, startTime: snap.get(root)!.startTime }));
    await stopStarted(bystander);
  });

  it('resolveCommand finds node and names a missing command with the way out', () => {
    assert.match(resolveCommand('node', process.env), /node$/);
    assert.throws(() => resolveCommand('no-such-command-xyz', { PATH: '/usr/bin:/bin' }), (e: Error & { code?: string }) =>
      e.code === 'SPAWN_FAILED' && /no-such-command-xyz/.test(e.message) && /PATH/.test(e.message));
  });

  it('nodeVersionProblem asks for Node 22 and accepts 22+', () => {
    assert.match(nodeVersionProblem('20.1.0') ?? '', /22/);
    assert.equal(nodeVersionProblem('22.0.0'), null);
  });

  it('reapOrphans kills a dead owner\'s live process, spares a reused pid and a live owner\'s process, reports a corrupt file', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'warden-reg-'));
    const spared: number[] = [];
    try {
      const orphan = startIdle();
      const reused = startIdle();
      const liveOwner = startIdle();
      const liveOwned = startIdle();
      const deadOwner = startIdle();
      spared.push(orphan, reused, liveOwner, liveOwned, deadOwner);
      await waitFor('all five processes', async () => { const s = await table.read(); return [orphan, reused, liveOwner, liveOwned, deadOwner].every((p) => s.has(p)); }, WAIT_MS);
      const snap = await table.read();
      const st = (pid: number) => snap.get(pid)!.startTime;
      const deadOwnerStart = st(deadOwner);
      process.kill(deadOwner, 'SIGKILL');
      await waitFor('the owner to die', async () => !isAlive(await table.read(), { pid: deadOwner, startTime: deadOwnerStart }), WAIT_MS);
      const dir = join(stateDir, 'registry');
      mkdirSync(dir, { recursive: true });
      const entry = (pid: number, startTime: number, ownerPid: number, ownerStartTime: number) =>
        ({ pid, pgid: pid, startTime, command: 'node', server: `s${pid}`, ownerPid, ownerStartTime, descendants: [] });
      writeFileSync(join(dir, `${deadOwner}-${deadOwnerStart}.json`), JSON.stringify({ version: 1, ownerPid: deadOwner, ownerStartTime: deadOwnerStart,
        entries: [entry(orphan, st(orphan), deadOwner, deadOwnerStart), entry(reused, st(reused) + 7, deadOwner, deadOwnerStart)] }));
      writeFileSync(join(dir, `${liveOwner}-${st(liveOwner)}.json`), JSON.stringify({ version: 1, ownerPid: liveOwner, ownerStartTime: st(liveOwner),
        entries: [entry(liveOwned, st(liveOwned), liveOwner, st(liveOwner))] }));
      writeFileSync(join(dir, '1-1.json'), '{ not json');
      const registry = await PidRegistry.open(stateDir, table);
      const result = await registry.reapOrphans();
      registry.dispose();
      assert.deepEqual(result.pids, [orphan]);
      assert.equal(result.warnings.length, 1);
      const afterSnap = await table.read();
      assert.ok(!isAlive(afterSnap, { pid: orphan, startTime: st(orphan) }));
      for (const pid of [reused, liveOwner, liveOwned]) assert.ok(isAlive(afterSnap, { pid, startTime: st(pid) }), `pid ${pid} is spared`);
      const files = readdirSync(dir);
      assert.ok(files.includes(`${liveOwner}-${st(liveOwner)}.json`), 'a live helper\'s file is untouched');
      assert.ok(!files.includes(`${deadOwner}-${deadOwnerStart}.json`), 'the dead helper\'s file is gone');
      assert.ok(files.some((f) => f.endsWith('.corrupt')));
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
      await stopStarted(...spared);
    }
  });
});
