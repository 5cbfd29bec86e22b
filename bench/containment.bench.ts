// Kernel containment, measured through the real supervisor: stop → zero processes with cgroup.kill against signals
// (well-behaved, SIGTERM-ignoring and daemonizing trees), a fork bomb's peak process count under each backend, and
// how far a 500 MB/s leak overshoots its cap with and without memory.max. Backends that cannot run here are listed.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pidsMaxFor } from '../src/helper/containment/limits';
import { selectContainment } from '../src/helper/containment/select';
import type { ContainmentKind } from '../src/shared/protocol';
import { fixtureServer } from '../test/support/fixtures';
import { killAll, procsWithEnvMarker, sleep, waitFor } from '../test/support/procfs';
import { createHarness } from '../test/support/supervisorHarness';
import { median, round, writeResults } from './support';

const MARK = 'WARDEN_BENCH_MARK';
const MB = 2 ** 20;
const STOP_RUNS = Number(process.env.BENCH_STOP_RUNS ?? 8);
const marks: string[] = [];

function mark(): string {
  const m = randomBytes(6).toString('hex');
  marks.push(m);
  return m;
}

function available(kind: ContainmentKind): string | true {
  const b = selectContainment({ engineTag: `bench-${process.pid}-probe`, force: kind });
  b.dispose();
  return b.kind === kind ? true : b.reason;
}

async function stopRuns(kind: ContainmentKind, fixture: string, env: Record<string, string>, caps: Record<string, unknown>, settle: (m: string) => boolean) {
  const h = await createHarness(`bench-stop-${fixture}`, {}, undefined, kind);
  const ms: number[] = [];
  let survivorsAfterStop = 0;
  try {
    for (let i = 0; i < STOP_RUNS; i++) {
      const m = mark();
      await h.configure({ s: fixtureServer(fixture, { ...env, [MARK]: m }, caps) });
      await h.waitState('s', 'running');
      await waitFor('the tree to be complete', () => settle(m));
      // Let a sample see the tree, as in real use (signals can only reach what the sampler saw).
      await sleep(400);
      const t = performance.now();
      await h.supervisor.stop('s');
      // "Zero processes" by the process table, whatever the engine believes.
      const deadline = Date.now() + 3000;
      while (procsWithEnvMarker(MARK, m).length && Date.now() < deadline) await sleep(5);
      ms.push(performance.now() - t);
      const left = procsWithEnvMarker(MARK, m);
      survivorsAfterStop += left.length;
      killAll(left.map((p) => p.pid));
    }
  } finally {
    await h.close().catch(() => undefined);
  }
  return { medianMs: round(median(ms), 1), survivorsAfterStop, runs: STOP_RUNS };
}

async function forkBombPeak(kind: ContainmentKind, maxChildren: number) {
  const h = await createHarness(`bench-bomb`, {}, undefined, kind);
  const m = mark();
  let peakProcesses = 0;
  let peakTasks = 0;
  let running = true;
  try {
    await h.configure({ b: fixtureServer('forkbomb-sleep', { [MARK]: m, FORK_MAX: '1000' }, { maxChildren }) });
    const watch = (async () => {
      while (running) {
        const procs = procsWithEnvMarker(MARK, m);
        peakProcesses = Math.max(peakProcesses, procs.length);
        let tasks = 0;
        for (const p of procs) {
          try {
            tasks += Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))![1]);
          } catch {
            // exited
          }
        }
        peakTasks = Math.max(peakTasks, tasks);
        await sleep(2);
      }
    })();
    const t = performance.now();
    await h.waitEvent((e) => e.code === 'CAP_CHILDREN', 'the children cap', 30_000);
    const capMs = performance.now() - t;
    await h.waitState('b', 'capped');
    running = false;
    await watch;
    return { maxChildren, pidsMax: h.containment.limits.pids ? pidsMaxFor(maxChildren) : null, peakProcesses, peakTasks, capMsAfterConfigure: round(capMs, 0) };
  } finally {
    running = false;
    await h.close().catch(() => undefined);
    killAll(procsWithEnvMarker(MARK, m).map((p) => p.pid));
  }
}

async function leakOvershoot(kind: ContainmentKind, limitMB: number) {
  const h = await createHarness(`bench-leak`, { sampleIntervalMs: 2000 }, undefined, kind);
  const m = mark();
  let peakRss = 0;
  let running = true;
  try {
    await h.configure({ l: fixtureServer('leaky', { [MARK]: m, LEAK_MB_PER_SEC: '500', LEAK_MAX_MB: '3000', LEAK_DELAY_MS: '300' }, { memoryLimitMB: limitMB, memoryAction: 'kill' }) });
    await h.waitState('l', 'running');
    const watch = (async () => {
      while (running) {
        for (const p of procsWithEnvMarker(MARK, m)) peakRss = Math.max(peakRss, p.rssBytes);
        await sleep(5);
      }
    })();
    const t = performance.now();
    const cap = await h.waitEvent((e) => e.code === 'CAP_MEMORY', 'the memory cap', 60_000);
    const reactMs = performance.now() - t;
    running = false;
    await watch;
    return { limitMB, peakRssMB: round(peakRss / MB, 0), overshootMB: round(peakRss / MB - limitMB, 0), byKernel: /outran the sampler/.test(cap.message), msFromRunningToCap: round(reactMs, 0) };
  } finally {
    running = false;
    await h.close().catch(() => undefined);
    killAll(procsWithEnvMarker(MARK, m).map((p) => p.pid));
  }
}

async function main() {
  const kinds: ContainmentKind[] = ['cgroup2', 'cgroup2+v1', 'cgroup1', 'process-group'];
  const availability: Record<string, string | true> = {};
  for (const k of kinds) availability[k] = available(k);
  availability['systemd-scope'] = available('systemd-scope');
  const runnable = kinds.filter((k) => availability[k] === true);
  console.log('backends:', availability);

  const twoDone = (m: string) => procsWithEnvMarker(MARK, m).length >= 4;
  const daemonDone = (m: string) => procsWithEnvMarker(MARK, m).length === 2;
  const stop: Record<string, unknown> = {};
  for (const k of ['cgroup2+v1', 'process-group'] as ContainmentKind[]) {
    if (availability[k] !== true) continue;
    stop[k] = {
      wellBehaved4: await stopRuns(k, 'well-behaved', { CHILDREN: '3' }, {}, twoDone),
      ignoresSigterm: await stopRuns(k, 'stubborn', {}, { shutdownGraceMs: 1000 }, (mk) => procsWithEnvMarker(MARK, mk).length >= 1),
      daemonized: await stopRuns(k, 'daemonize', {}, {}, daemonDone),
    };
    console.log(k, stop[k]);
  }

  const forkBomb: Record<string, unknown> = {};
  for (const k of runnable) {
    forkBomb[k] = await forkBombPeak(k, 24);
    console.log('fork bomb', k, forkBomb[k]);
  }

  const leak: Record<string, unknown> = {};
  for (const k of ['cgroup2+v1', 'cgroup1', 'process-group'] as ContainmentKind[]) {
    if (availability[k] !== true) continue;
    leak[k] = await leakOvershoot(k, 256);
    console.log('leak', k, leak[k]);
  }

  const result = {
    availability,
    stopToZeroProcesses: stop,
    forkBombPeak: forkBomb,
    leak500MBps: leak,
    notes: [
      'stop: ms from stop() to no marked process in /proc; survivorsAfterStop counts processes the stop left (the bench kills them)',
      'fork bomb: single-threaded sleep children; pids.max counts tasks, so peakTasks (the test\'s sum of Threads) is what the kernel holds at pids.max',
      'leak: 500 MB/s, memoryLimitMB 256, memoryAction kill, 2 s sampling; overshoot = peak RSS seen by a 5 ms sampler in the bench minus the limit',
    ],
  };
  console.log(JSON.stringify(result, null, 2));
  writeResults('containment', result);
  const left = marks.flatMap((m) => procsWithEnvMarker(MARK, m));
  killAll(left.map((p) => p.pid));
}

void main();
