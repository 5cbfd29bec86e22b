// Cost of one sample of 20 servers × 4 Node processes with true memory: the RSS-only pass, reading every process's
// smaps_rollup each sample (the naive PSS), and the PssMeter (budgeted, RSS drift between reads) over a simulated
// 2 s cadence — and how far the meter's figure is from the exact PSS; and, where a memory cgroup exists, the pass that
// reads each server's cgroup charge instead (what the engine does on this machine).
import { spawn, type ChildProcess } from 'node:child_process';
import { selectContainment } from '../src/helper/containment/select';
import type { Container } from '../src/helper/containment/types';
import { ProcFsProcessTable } from '../src/helper/sampling/procFsTable';
import { collectDescendants, indexChildren, sumRss } from '../src/helper/sampling/processTree';
import { PssMeter, PSS_BUDGET_MS, readPssBytes } from '../src/helper/sampling/pss';
import type { ProcessEntry } from '../src/helper/sampling/types';
import { median, percentile, round, writeResults } from './support';

const SERVERS = 20;
const CHILDREN = 3;
const RUNS = 120;
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
  const backend = selectContainment({ engineTag: `bench-${process.pid}-pss` });
  const containers: Container[] = [];
  try {
    for (let i = 0; i < SERVERS; i++) {
      // Through the engine's own backend (the launcher joins, then execs): each fleet member has its memory cgroup.
      const c = backend.limits.memory ? backend.create(`pss-${i}`, { memoryMaxBytes: 0, pidsMax: 0 }) : undefined;
      if (c) containers.push(c);
      const launch = c ? c.launch(process.execPath, ['-e', PARENT]) : { file: process.execPath, args: ['-e', PARENT] };
      parents.push(spawn(launch.file, launch.args, { stdio: 'ignore', detached: true }));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const roots = parents.map((p) => p.pid!);
    const table = new ProcFsProcessTable();
    const found = trees(table, roots).map((t) => t.length);
    if (found.some((n) => n !== CHILDREN + 1)) throw new Error(`expected ${CHILDREN + 1} processes per server, found ${found.join(',')}`);
    trees(table, roots); // warm-up

    const chargeMs: number[] = [];
    let chargeTotal = 0;
    if (containers.length) {
      for (let i = 0; i < RUNS; i++) {
        const [d, total] = time(() => {
          trees(table, roots);
          return containers.reduce((n, c) => n + (c.memoryBytes() ?? 0), 0);
        });
        chargeMs.push(d);
        chargeTotal = total;
      }
    }
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
      containment: `${backend.kind}: ${backend.reason}`,
      rssOnlyMedianMs: round(median(rssMs), 3),
      cgroupChargeMedianMs: chargeMs.length ? round(median(chargeMs), 3) : null,
      fleetCgroupChargeMB: chargeMs.length ? round(chargeTotal / MB, 1) : null,
      pssEveryProcessEverySampleMedianMs: round(median(exactMs), 3),
      pssMeterMedianMs: round(median(meterMs), 3),
      pssMeterMeanMs: round(meterMs.reduce((x, y) => x + y, 0) / meterMs.length, 3),
      rssOnlyMeanMs: round(rssMs.reduce((x, y) => x + y, 0) / rssMs.length, 3),
      pssMeterP95Ms: round(percentile(meterMs, 95), 3),
      pssMeterFirstSampleMs: round(firstMeterMs, 3),
      pssMeterReadsPerSampleMean: round(meterReads.reduce((x, y) => x + y, 0) / meterReads.length, 2),
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
    for (const c of containers) {
      await c.killAll();
      for (let i = 0; i < 100 && c.isEmpty() === false; i++) await new Promise((r) => setTimeout(r, 20));
      c.remove();
    }
    backend.dispose();
  }
}

void main();
