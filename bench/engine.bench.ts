// Engine figures: stop request → zero processes (well-behaved tree, SIGTERM-ignoring server), memory limit crossed
// → cap action, the helper's RSS idle and with 20 servers, and heap after many start/stop cycles.
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHarness } from '../test/support/supervisorHarness';
import { fixtureServer } from '../test/support/fixtures';
import { median, round, writeResults } from './support';
import { readFileSync } from 'node:fs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

function heapMB(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed / MB;
}

async function stopTimes(name: string, server: unknown, runs: number): Promise<number[]> {
  const h = await createHarness(`bench-${name}`, { sampleIntervalMs: 200 });
  const out: number[] = [];
  try {
    await h.configure({ [name]: server });
    for (let i = 0; i < runs; i++) {
      await h.waitState(name, 'running');
      await h.supervisor.sampleOnce(); // know the tree, as a running helper would
      const t = Date.now();
      const r = await h.supervisor.stop(name);
      out.push(Date.now() - t);
      if (r.survivors.length) throw new Error(`survivors: ${r.survivors.map((s) => s.pid)}`);
      if (i < runs - 1) await h.supervisor.start(name);
    }
  } finally {
    await h.close();
  }
  return out;
}

async function capReaction(runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Default sampling interval; the leak crosses 128 MB at some point between two samples.
    const h = await createHarness(`bench-cap-${i}`, { sampleIntervalMs: 2000 });
    try {
      await h.configure({ leaky: fixtureServer('leaky', { LEAK_MB_PER_SEC: '40' }, { memoryLimitMB: 128, memoryAction: 'kill' }) });
      await h.waitState('leaky', 'running');
      const pid = h.supervisor.managed('leaky')!.pid!;
      // Watch the real RSS at 10 ms to know when it crossed; the cap acts on its own schedule.
      let crossedAt = 0;
      const watcher = setInterval(() => {
        try {
          const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
          if (!crossedAt && kb * 1024 > 128 * MB) crossedAt = Date.now();
        } catch {
          // gone
        }
      }, 10);
      const cap = await h.waitEvent((e) => e.code === 'CAP_MEMORY', 'cap', 60_000);
      clearInterval(watcher);
      out.push(cap.time - crossedAt);
    } finally {
      await h.close();
    }
  }
  return out;
}

function helperRss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function helperRssFigures() {
  // The real helper process, over its CLI entry, idle and then with 20 servers.
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { repoRoot } = await import('../test/support/fixtures');
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '{"servers":{}}');
  const many = join(dir, 'many.json');
  const servers: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) servers[`s${i}`] = fixtureServer('tiny');
  writeFileSync(many, JSON.stringify({ servers }));
  const measure = async (config: string, waitMs: number) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/cli.js'), 'run', '--config', config, '--state-dir', join(dir, 'state')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, waitMs));
    const rss = helperRss(child.pid!);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    return rss;
  };
  return { idleMB: round((await measure(empty, 3000)) / MB, 1), with20ServersMB: round((await measure(many, 8000)) / MB, 1) };
}

async function cycles(total: number) {
  const h = await createHarness('bench-cycles', { sampleIntervalMs: 500 });
  const marks: Record<string, number> = {};
  const t0 = Date.now();
  try {
    await h.configure({ tiny: fixtureServer('tiny') });
    await h.waitState('tiny', 'running');
    await h.supervisor.stop('tiny');
    for (let i = 1; i <= total; i++) {
      await h.supervisor.start('tiny');
      await h.supervisor.stop('tiny');
      if (i === 100 || i === 1000 || i === total) marks[`heapMBAfter${i}`] = round(heapMB(), 2);
    }
  } finally {
    await h.close();
  }
  return { ...marks, cycles: total, seconds: round((Date.now() - t0) / 1000, 0), sizes: h.supervisor.internalSizes() };
}

async function main() {
  const wellBehaved = await stopTimes('tree', fixtureServer('well-behaved', { CHILDREN: '3' }), 10);
  const stubborn = await stopTimes('stubborn', fixtureServer('stubborn', {}, { shutdownGraceMs: 1000 }), 3);
  const cap = await capReaction(5);
  const rss = await helperRssFigures();
  const cycleCount = Number(process.env.BENCH_CYCLES ?? 3000);
  const cyc = await cycles(cycleCount);
  const result = {
    stopToZeroMs: { wellBehavedTreeMedian: median(wellBehaved), target: 500, stubbornMedian: median(stubborn), stubbornGraceMs: 1000, stubbornTarget: 1500, runs: { wellBehaved, stubborn } },
    memoryCapReactionMs: { median: median(cap), sampleIntervalMs: 2000, target: 2000, runs: cap },
    helperRssMB: { ...rss, targets: { idle: 60, with20Servers: 80 } },
    heapAfterCycles: cyc,
    note: `10,000 cycles take ~${Math.round((cyc.seconds / cycleCount) * 10000 / 60)} min here; the bench runs ${cycleCount} (BENCH_CYCLES to change) and the test suite's soak runs 1,000.`,
  };
  console.log(JSON.stringify(result, null, 2));
  writeResults('engine', result);
}

void main();
