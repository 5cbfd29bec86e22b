// Cost of one sample of 20 servers × 4 Node processes with true memory: the RSS-only pass, reading every process's
// smaps_rollup each sample (the naive PSS), and the PssMeter (budgeted, RSS drift between reads) over a simulated
// 2 s cadence — and how far the meter's figure is from the exact PSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { ProcFsProcessTable } from '../src/helper/sampling/procFsTable';
import { collectDescendants, indexChildren, sumRss } from '../src/helper/sampling/processTree';
import { PssMeter, PSS_BUDGET_MS, readPssBytes } from '../src/helper/sampling/pss';
import type { ProcessEntry } from '../src/helper/sampling/types';
import { median, percentile, round, writeResults } from './support';

const SERVERS = 20;
const CHILDREN = 3;
const RUNS = 60;
const INTERVAL_MS = 2000;
const MB = 2 ** 20;

const PARENT = `const { spawn } = require('node:child_process');
for (let i = 0; i < ${CHILDREN}; i++) spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
setInterval(() => {}, 1 << 30);`;

function trees(table: ProcFsProcessTable, roots: number[]): ProcessEntry[][] {
  const snap = table.readSync();
  const index = indexChildren(snap);
  return roots.map((r) => [snap.get(r)!, ...collectDescendants(snap, r, undefined, index)].filter(Boolean));
}

function time<T>(fn: () => T): [number, T] {
  const t = process.hrtime.bigint();
  const v = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, v];
}

async function main() {
  const parents: ChildProcess[] = [];
  try {
    for (let i = 0; i < SERVERS; i++) parents.push(spawn(process.execPath, ['-e', PARENT], { stdio: 'ignore', detached: true }));
    await new Promise((r) => setTimeout(r, 2000));
    const roots = parents.map((p) => p.pid!);
    const table = new ProcFsProcessTable();
    const found = trees(table, roots).map((t) => t.length);
    if (found.some((n) => n !== CHILDREN + 1)) throw new Error(`expected ${CHILDREN + 1} processes per server, found ${found.join(',')}`);
    trees(table, roots); // warm-up

    const rssMs: number[] = [];
    const exactMs: number[] = [];
    const meterMs: number[] = [];
    const meterReads: number[] = [];
    const errors: number[] = [];
    let rssTotal = 0, exactTotal = 0;
    const meter = new PssMeter();
    let firstMeterMs = 0;
    for (let i = 0; i < RUNS; i++) {
      const [a, rss] = time(() => trees(table, roots).reduce((n, t) => n + sumRss(t), 0));
      rssMs.push(a);
      const [b, exact] = time(() => trees(table, roots).reduce((n, t) => n + t.reduce((m, e) => m + (readPssBytes(e.pid) ?? e.rssBytes), 0), 0));
      exactMs.push(b);
      // The meter as the supervisor drives it: one sample every 2 s of simulated time; no tree is near a limit.
      const [c, est] = time(() => {
        meter.beginSample();
        let total = 0;
        for (const t of trees(table, roots)) total += meter.treeBytes(t, Number.MAX_SAFE_INTEGER, i * INTERVAL_MS);
        meter.endSample();
        return total;
      });
      if (i === 0) firstMeterMs = c;
      else {
        meterMs.push(c);
        meterReads.push(meter.stats.reads);
      }
      errors.push(Math.abs(est - exact) / exact);
      rssTotal = rss;
      exactTotal = exact;
    }
    const result = {
      setup: { servers: SERVERS, processesPerServer: CHILDREN + 1, runs: RUNS, simulatedIntervalMs: INTERVAL_MS, pssBudgetMs: PSS_BUDGET_MS },
      rssOnlyMedianMs: round(median(rssMs), 3),
      pssEveryProcessEverySampleMedianMs: round(median(exactMs), 3),
      pssMeterMedianMs: round(median(meterMs), 3),
      pssMeterP95Ms: round(percentile(meterMs, 95), 3),
      pssMeterFirstSampleMs: round(firstMeterMs, 3),
      pssMeterReadsPerSampleMedian: median(meterReads),
      smapsRollupReadUs: round((median(exactMs) - median(rssMs)) / (SERVERS * (CHILDREN + 1)) * 1000, 1),
      meterErrorVsExactPssMedianPercent: round(median(errors.slice(1)) * 100, 2),
      meterErrorMaxPercentAfterWarmup: round(Math.max(...errors.slice(Math.ceil(errors.length / 2))) * 100, 2),
      fleetRssMB: round(rssTotal / MB, 1),
      fleetPssMB: round(exactTotal / MB, 1),
      pssOverRss: round(exactTotal / rssTotal, 3),
      note: 'with a memory cgroup (cgroup2+v1, cgroup1, cgroup2 with controllers) the figure is the cgroup\'s charge and no smaps_rollup is read',
      targets: { sampleMs: 5 },
    };
    console.log(result);
    writeResults('pss', result);
  } finally {
    for (const p of parents) {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

void main();
