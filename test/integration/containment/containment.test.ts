// Kernel containment against the real process table and the real cgroup filesystem, for every backend that can run
// on this machine (forced one at a time): a daemonized grandchild dies with its server; a fork bomb never gets past
// pids.max; a leak that outruns the sampler meets memory.max; containers are removed. Skips, saying why, where the
// machine has no cgroup filesystem or the test is not root.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ownCgroups, readMounts } from '../../../src/helper/containment/cgroupFs';
import { pidsMaxFor } from '../../../src/helper/containment/limits';
import { selectContainment } from '../../../src/helper/containment/select';
import type { ContainmentKind } from '../../../src/shared/protocol';
import { fixtureServer, repoRoot, tempDir, writeConfig } from '../../support/fixtures';
import { killAll, pollUntil, procsWithEnvMarker, sleep, waitFor } from '../../support/procfs';
import { createHarness, type Harness } from '../../support/supervisorHarness';

const MARK = 'WARDEN_CONTAINMENT_TEST';
const cli = join(repoRoot, 'dist/cli.js');
const engines: ChildProcess[] = [];
const harnesses: Harness[] = [];
const marks: string[] = [];
after(async () => {
  for (const h of harnesses) await h.close().catch(() => undefined);
  for (const e of engines) if (e.exitCode === null && e.signalCode === null) e.kill('SIGKILL');
  const left = marks.flatMap((m) => procsWithEnvMarker(MARK, m));
  killAll(left.map((p) => p.pid));
  assert.deepEqual(left.map((p) => `${p.pid} ${p.cmdline}`), [], 'processes survived the containment tests');
});

function whyNotHere(): string | undefined {
  if (process.platform !== 'linux') return 'cgroups exist only on Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root: this machine delegates no cgroup subtree to this user';
  if (!existsSync('/sys/fs/cgroup')) return 'no cgroup filesystem at /sys/fs/cgroup';
  return undefined;
}

/** Whether a forced backend really runs here; the reason when not (the test then skips with it). */
function availability(kind: ContainmentKind): string | undefined {
  const base = whyNotHere();
  if (base) return base;
  const b = selectContainment({ engineTag: `probe-${process.pid}-${kind.replace('+', '_')}`, force: kind });
  b.dispose();
  return b.kind === kind ? undefined : b.reason;
}

function mark(): string {
  const m = randomBytes(6).toString('hex');
  marks.push(m);
  return m;
}

async function harness(label: string, kind: ContainmentKind, settings = {}) {
  const h = await createHarness(label, settings, undefined, kind);
  harnesses.push(h);
  assert.equal(h.containment.kind, kind, h.containment.reason);
  return h;
}

const CGROUP_BACKENDS: ContainmentKind[] = ['cgroup2', 'cgroup2+v1', 'cgroup1'];

for (const kind of CGROUP_BACKENDS) {
  const skip = availability(kind);
  describe(`containment: ${kind}`, { skip }, () => {
    it('a daemonized grandchild (setsid + fork + exit) dies with its server and the cgroups are removed', async () => {
      const h = await harness(`daemon-${kind.replace('+', '_')}`, kind);
      const m = mark();
      await h.configure({ d: fixtureServer('daemonize', { [MARK]: m }) });
      await h.waitState('d', 'running');
      // Root and the daemon; the intermediate child has exited (its parent reaps it).
      const procs = await waitFor('the daemon to be reparented away from the server', () => {
        const p = procsWithEnvMarker(MARK, m);
        const root = h.supervisor.managed('d')!.pid;
        return p.length === 2 && p.some((x) => x.pid === root) && p.some((x) => x.pid !== root && x.ppid !== root) ? p : undefined;
      });
      const server = h.supervisor.managed('d')!;
      const paths = [...server.container!.paths];
      // The kernel counts the daemon as a member (the exited middle child may linger a moment as a zombie).
      const want = procs.map((p) => p.pid).sort().join(',');
      let seen = '';
      const same = await pollUntil(() => (seen = server.container!.members().sort().join(',')) === want, 5000, 50);
      assert.ok(same, `the cgroup lists ${seen}, the process table ${want}`);
      const snap = h.supervisor.snapshot().servers[0]!;
      assert.equal(snap.containment?.backend, kind);
      const r = await h.supervisor.stop('d');
      assert.deepEqual(r.survivors, []);
      assert.deepEqual(procsWithEnvMarker(MARK, m), [], 'zero processes in the process table');
      for (const p of paths) assert.equal(existsSync(p), false, `${p} was removed`);
    });

    it('a daemonized grandchild dies after a cap kill too (its memory is the cgroup\'s, which the tree cannot see)', async () => {
      const h = await harness(`capdaemon-${kind.replace('+', '_')}`, kind);
      const m = mark();
      const limited = h.containment.limits.memory;
      await h.configure({
        d: fixtureServer('daemonize', { [MARK]: m, DAEMON_LEAK_MB_PER_SEC: '100' }, { memoryLimitMB: 64, memoryAction: 'kill' }),
      });
      const server = h.supervisor.managed('d')!;
      // The leak may cross the limit before the handshake ends: the cap can come while it is still starting.
      const paths = await waitFor('its container', () => (server.container ? [...server.container.paths] : undefined), 15_000, 5);
      if (limited) {
        // The daemon is no descendant of the server: only the cgroup's charge sees its memory.
        const cap = await h.waitEvent((e) => e.code === 'CAP_MEMORY' && e.server === 'd', 'the memory cap', 30_000);
        assert.equal(cap.action, 'kill');
      } else {
        // No memory cgroup: the policy sees the daemon only if a sample caught it before its parent exited (then it
        // may cap it itself); either way the stop that follows must leave nothing.
        await sleep(1000);
        await h.supervisor.stop('d');
      }
      await waitFor('zero processes', () => procsWithEnvMarker(MARK, m).length === 0, 15_000);
      await waitFor('the cgroups removed', () => paths.every((p) => !existsSync(p)), 15_000);
    });

    it('stops a fork bomb at pids.max: the test never sees more processes than pids.max allows tasks', { skip: kind === 'cgroup2' && !pidsLimited(kind) ? 'this cgroup2 has no pids controller here' : undefined }, async () => {
      const h = await harness(`bomb-${kind.replace('+', '_')}`, kind, { sampleIntervalMs: 5000 });
      const m = mark();
      const maxChildren = 24;
      await h.configure({ b: fixtureServer('forkbomb-sleep', { [MARK]: m }, { maxChildren }) });
      let peak = 0;
      let running = true;
      // Sampled continuously, independently of Warden's sampler (every 5 s here, so it cannot be what holds the cap).
      const watch = (async () => {
        while (running) {
          peak = Math.max(peak, procsWithEnvMarker(MARK, m).length);
          await sleep(2);
        }
      })();
      const cap = await h.waitEvent((e) => e.code === 'CAP_CHILDREN' && e.server === 'b', 'the children cap', 30_000);
      running = false;
      await watch;
      assert.equal(cap.action, 'kill');
      await h.waitState('b', 'capped');
      assert.ok(peak <= pidsMaxFor(maxChildren), `peak ${peak} processes > pids.max = ${pidsMaxFor(maxChildren)}`);
      assert.ok(peak > 1, 'the bomb forked at all');
      await waitFor('zero processes', () => procsWithEnvMarker(MARK, m).length === 0);
    });

    it('a Node tree well under maxChildren runs: pids.max counts threads, so it leaves each process room for them', { skip: kind === 'cgroup2' && !pidsLimited(kind) ? 'this cgroup2 has no pids controller here' : undefined }, async () => {
      // Nine Node processes (~7 threads each here) against maxChildren 16: processes within the cap, tasks over 17.
      const h = await harness(`threads-${kind.replace('+', '_')}`, kind, { sampleIntervalMs: 300 });
      const m = mark();
      await h.configure({ w: fixtureServer('wide', { [MARK]: m, WIDTH: '8' }, { maxChildren: 16 }) });
      await h.waitState('w', 'running');
      await waitFor('nine Node processes', () => procsWithEnvMarker(MARK, m).length === 9, 15_000);
      await sleep(1500); // several samples: a refused thread or fork would have capped it by now
      const tasks = procsWithEnvMarker(MARK, m).reduce((n, p) => n + threadCount(p.pid), 0);
      assert.ok(tasks > 17, `the tree holds ${tasks} tasks, more than maxChildren + 1 (the old pids.max)`);
      assert.equal(h.supervisor.managed('w')!.state, 'running', 'still running, not capped');
      assert.equal(h.supervisor.managed('w')!.container!.pidsLimitHits(), 0, 'the kernel refused no thread or fork');
      const r = await h.supervisor.stop('w');
      assert.deepEqual(r.survivors, []);
    });

    it('memory.max stops a leak that outruns the sampler', { skip: memoryLimited(kind) ? undefined : 'no memory controller in this backend here' }, async () => {
      // One sample a minute: only the handshake's sample runs before the leak starts, so the kernel must act.
      const h = await harness(`leak-${kind.replace('+', '_')}`, kind, { sampleIntervalMs: 60_000 });
      const m = mark();
      await h.configure({ l: fixtureServer('leaky', { [MARK]: m, LEAK_MB_PER_SEC: '400', LEAK_DELAY_MS: '1500' }, { memoryLimitMB: 64, memoryAction: 'kill' }) });
      await h.waitState('l', 'running');
      const cap = await h.waitEvent((e) => e.code === 'CAP_MEMORY' && e.server === 'l', 'the kernel memory cap', 30_000);
      assert.match(cap.message, /outran the sampler/);
      await h.waitState('l', 'capped');
      assert.deepEqual(procsWithEnvMarker(MARK, m), []);
    });
  });
}

describe('containment after kill -9 of the engine', { skip: availability('cgroup2+v1') ?? undefined }, () => {
  it('the next engine kills a daemonized grandchild through the recorded cgroup and removes the dead engine\'s cgroups', async () => {
    const stateDir = tempDir('cgkill9');
    const m = mark();
    const env = { ...process.env, MCP_WARDEN_CONTAINMENT: 'cgroup2+v1' };
    const config = writeConfig(stateDir, { servers: { d: fixtureServer('daemonize', { [MARK]: m }) } });
    const first = spawn(process.execPath, [cli, 'run', '--config', config, '--state-dir', stateDir], { stdio: 'ignore', env });
    engines.push(first);
    await waitFor('the daemon to be reparented', () => {
      const p = procsWithEnvMarker(MARK, m);
      const pids = new Set(p.map((x) => x.pid));
      return p.length === 2 && p.every((x) => !pids.has(x.ppid));
    }, 30_000);
    const registryDir = join(stateDir, 'registry');
    const recorded = await waitFor('the run\'s cgroups in the registry', () => {
      for (const f of readdirSync(registryDir).filter((n) => n.endsWith('.json'))) {
        const data = JSON.parse(readFileSync(join(registryDir, f), 'utf8')) as { entries: { cgroups?: string[] }[] };
        const paths = data.entries.flatMap((e) => e.cgroups ?? []);
        if (paths.length) return paths;
      }
      return undefined;
    });
    first.kill('SIGKILL');
    await waitFor('the first engine to be gone', () => first.exitCode !== null || first.signalCode !== null);
    // The server may exit on its stdin's EOF; the daemon outlives the killed engine (the bug).
    await sleep(300);
    assert.ok(procsWithEnvMarker(MARK, m).length >= 1, 'the daemon outlives the killed engine');
    for (const p of recorded) assert.ok(existsSync(p), `${p} is still there`);
    // A second engine on the same state dir, with another server, reaps at start.
    const config2 = writeConfig(stateDir, { servers: { t: fixtureServer('tiny') } }, 'second.json');
    const second = spawn(process.execPath, [cli, 'run', '--config', config2, '--state-dir', stateDir], { stdio: 'ignore', env });
    engines.push(second);
    await waitFor('zero processes of the dead engine', () => procsWithEnvMarker(MARK, m).length === 0, 30_000);
    await waitFor('the dead engine\'s cgroups removed', () => recorded.every((p) => !existsSync(p)), 15_000);
    for (const p of recorded) assert.equal(existsSync(join(p, '..')), false, `the dead engine's directory ${join(p, '..')} was removed`);
    second.kill('SIGTERM');
    await waitFor('the second engine to exit', () => second.exitCode !== null || second.signalCode !== null, 20_000);
  });
});

function memoryLimited(kind: ContainmentKind): boolean {
  if (whyNotHere()) return false;
  const b = selectContainment({ engineTag: `probe-${process.pid}-mem`, force: kind });
  b.dispose();
  return b.kind === kind && b.limits.memory;
}

function threadCount(pid: number): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function pidsLimited(kind: ContainmentKind): boolean {
  if (whyNotHere()) return false;
  const b = selectContainment({ engineTag: `probe-${process.pid}-pids`, force: kind });
  b.dispose();
  return b.kind === kind && b.limits.pids;
}

describe('the launcher', { skip: process.platform !== 'linux' ? 'Linux only' : undefined }, () => {
  it('execs in place (same pid) with the default signal dispositions a directly spawned server has', () => {
    const status = (file: string, args: string[]) => spawnSync(file, args, { encoding: 'utf8' });
    const direct = status('/bin/grep', ['-E', '^(SigIgn|SigBlk)', '/proc/self/status']);
    const launched = status(process.execPath, ['--disable-warning=ExperimentalWarning', join(repoRoot, 'dist/launcher.js'), '--', '/bin/grep', '-E', '^(SigIgn|SigBlk)', '/proc/self/status']);
    assert.equal(launched.status, 0, launched.stderr);
    // Node ignores SIGPIPE and SIGXFSZ; an ignored signal would stay ignored across exec.
    assert.equal(launched.stdout, direct.stdout);
    const self = status(process.execPath, [join(repoRoot, 'dist/launcher.js'), '--', '/bin/sh', '-c', 'echo $$']);
    assert.equal(Number(self.stdout.trim()), self.pid, 'the command runs as the launcher\'s own pid');
    const missing = status(process.execPath, [join(repoRoot, 'dist/launcher.js'), '--', '/nonexistent/server']);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /could not exec \/nonexistent\/server/);
    const cannotJoin = status(process.execPath, [join(repoRoot, 'dist/launcher.js'), '/nonexistent/cgroup.procs', '--', '/bin/true']);
    assert.equal(cannotJoin.status, 126, 'a server that would run uncontained is not started');
    assert.match(cannotJoin.stderr, /could not join \/nonexistent\/cgroup\.procs/);
  });
});

describe('stale containers of dead engines', { skip: availability('cgroup2') ?? undefined }, () => {
  it('the next engine removes a dead engine\'s empty containers and leaves one with a live member alone', async () => {
    const mount = readMounts().v2!;
    const own = ownCgroups().get('');
    const parent = join(own && own !== '/' ? join(mount, own) : mount, 'mcp-warden');
    // Pid 4194305 is above any pid_max: never a live engine.
    const dead = join(parent, `4194305-${process.pid}`);
    mkdirSync(join(dead, 'empty-1'), { recursive: true });
    mkdirSync(join(dead, 'busy-2'), { recursive: true });
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dead, 'busy-2', 'cgroup.procs'), String(sleeper.pid));
      const b = selectContainment({ engineTag: `${process.pid}-sweep`, force: 'cgroup2' });
      b.dispose();
      assert.equal(existsSync(join(dead, 'empty-1')), false, 'the empty container was removed');
      assert.equal(existsSync(join(dead, 'busy-2')), true, 'the one with a member was left alone');
      assert.equal(sleeper.exitCode, null, 'and its member was not killed');
    } finally {
      sleeper.kill('SIGKILL');
      await waitFor('the sleeper gone from its cgroup', () => !existsSync(join(dead, 'busy-2', 'cgroup.procs')) || readFileSync(join(dead, 'busy-2', 'cgroup.procs'), 'utf8').trim() === '');
      for (const d of [join(dead, 'busy-2'), join(dead, 'empty-1'), dead]) await waitFor(`rmdir ${d}`, () => { try { rmdirSync(d); } catch { /* busy a moment */ } return !existsSync(d); });
    }
  });
});

describe('containment: process-group (the fallback)', () => {
  it('is chosen when forced, says why, and still stops an ordinary tree', async () => {
    const h = await createHarness('pg', {}, undefined, 'process-group');
    harnesses.push(h);
    assert.equal(h.containment.kind, 'process-group');
    assert.match(h.containment.reason, /forced/);
    const m = mark();
    await h.configure({ g: fixtureServer('grandchildren', { [MARK]: m }) });
    await h.waitState('g', 'running');
    await waitFor('its children', () => procsWithEnvMarker(MARK, m).length >= 5);
    // Without a cgroup only what a sample saw can be found again once it leaves the tree: wait for one.
    await waitFor('a sample of all four children', () => h.supervisor.snapshot().servers[0]!.children >= 4);
    const snap = h.supervisor.snapshot().servers[0]!;
    assert.equal(snap.containment?.backend, 'process-group');
    await h.supervisor.stop('g');
    assert.deepEqual(procsWithEnvMarker(MARK, m), []);
  });
});

describe('true memory', { skip: whyNotHere() === 'cgroups exist only on Linux' ? 'smaps_rollup is Linux only' : undefined }, () => {
  it('PSS of a wide Node tree is well under its summed RSS, and caps judge PSS', async () => {
    const h = await createHarness('pss', { sampleIntervalMs: 300 }, undefined, 'process-group');
    harnesses.push(h);
    const m = mark();
    await h.configure({ w: fixtureServer('wide', { [MARK]: m, WIDTH: '8' }) });
    await h.waitState('w', 'running');
    // Independent check: the kernel's own PSS figures, summed by the test. Warden reads smaps_rollup within a
    // per-sample budget, so its figure converges over a few samples.
    const kernelPss = () => procsWithEnvMarker(MARK, m).reduce((n, p) => n + pssOf(p.pid), 0);
    let last = { warden: 0, kernel: 0, rss: 0 };
    const s = await pollUntil(() => {
      const x = h.supervisor.snapshot().servers[0]!;
      last = { warden: x.memoryBytes, kernel: kernelPss(), rss: x.rssBytes };
      return x.children === 8 && x.memorySource === 'pss' && Math.abs(last.warden - last.kernel) < Math.max(8 * 2 ** 20, last.kernel * 0.15) ? x : undefined;
    }, 30_000);
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    assert.ok(s, `Warden's PSS ${mb(last.warden)} MB never came within 15 % of the kernel's ${mb(last.kernel)} MB (RSS ${mb(last.rss)} MB)`);
    assert.ok(s.memoryBytes < s.rssBytes * 0.7, `PSS ${mb(s.memoryBytes)} MB should be well under RSS ${mb(s.rssBytes)} MB`);
    await h.supervisor.stop('w');
  });

  it('with a memory cgroup the figure is the cgroup\'s own charge, RSS beside it', { skip: memoryLimited('cgroup2+v1') ? undefined : 'no memory cgroup here' }, async () => {
    const h = await harness('charge', 'cgroup2+v1', { sampleIntervalMs: 300 });
    const m = mark();
    await h.configure({ w: fixtureServer('wide', { [MARK]: m, WIDTH: '4' }) });
    const s = await waitFor('a charged sample', () => {
      const x = h.supervisor.snapshot().servers[0]!;
      return x.children === 4 && x.memorySource === 'cgroup' && x.memoryBytes > 0 ? x : undefined;
    }, 30_000);
    assert.ok(s.memoryBytes < s.rssBytes, `charge ${s.memoryBytes} < RSS ${s.rssBytes}`);
    await h.supervisor.stop('w');
  });
});

function pssOf(pid: number): number {
  try {
    const m = /\nPss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
