// Cost of one sample of 20 servers × 4 processes: /proc (one pass) vs `ps` (one call) vs ps-tree per server (the naive design).
import { spawn, type ChildProcess } from 'node:child_process';
import psTree from 'ps-tree';
import { ProcFsProcessTable } from '../src/helper/sampling/procFsTable';
import { PsProcessTable } from '../src/helper/sampling/psTable';
import { collectDescendants, indexChildren, sumRss } from '../src/helper/sampling/processTree';
import type { ProcessTable } from '../src/helper/sampling/types';
import { median, round, writeResults } from './support';

const SERVERS = 20;
const CHILDREN = 3;
const RUNS = 40;
const INTERVAL_MS = 2000;

const PARENT = `const { spawn } = require('node:child_process');
for (let i = 0; i < ${CHILDREN}; i++) spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
setInterval(() => {}, 1 << 30);`;

async function sampleAll(table: ProcessTable, roots: number[]): Promise<number> {
  const snap = await table.read();
  const index = indexChildren(snap);
  let total = 0;
  for (const r of roots) total += sumRss(collectDescendants(snap, r, undefined, index)) + (snap.get(r)?.rssBytes ?? 0);
  return total;
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

async function main() {
  const parents: ChildProcess[] = [];
  try {
    for (let i = 0; i < SERVERS; i++) parents.push(spawn(process.execPath, ['-e', PARENT], { stdio: 'ignore', detached: true }));
    await new Promise((r) => setTimeout(r, 1500));
    const roots = parents.map((p) => p.pid!);
    const proc = new ProcFsProcessTable();
    const ps = new PsProcessTable();
    const found = collectDescendants(await proc.read(), roots[0]!).length;
    if (found !== CHILDREN) throw new Error(`expected ${CHILDREN} children per server, found ${found}`);
    await sampleAll(proc, roots); // warm-up
    const procMs = await timeRuns(RUNS, () => sampleAll(proc, roots));
    const psMs = await timeRuns(RUNS, () => sampleAll(ps, roots));
    const psTreeMs = await timeRuns(5, () => Promise.all(roots.map((r) => new Promise((res, rej) => psTree(r, (e, c) => (e ? rej(e) : res(c)))))));
    const procCount = (await proc.read()).size;
    const result = {
      setup: { servers: SERVERS, processesPerServer: CHILDREN + 1, processesOnMachine: procCount, runs: RUNS },
      procfsMedianMs: round(median(procMs), 3),
      psOneCallMedianMs: round(median(psMs), 3),
      psTreePerServerMedianMs: round(median(psTreeMs), 1),
      ratioPsOverProcfs: round(median(psMs) / median(procMs), 1),
      ratioPsTreeOverProcfs: round(median(psTreeMs) / median(procMs), 0),
      procfsCpuPercentOfOneCoreAtDefaultInterval: round((median(procMs) / INTERVAL_MS) * 100, 3),
      chosen: 'procfs on Linux (ProcFsProcessTable); one `ps` call elsewhere',
      targets: { sampleMs: 5, cpuPercent: 0.5 },
    };
    console.log(result);
    writeResults('sampling', result);
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
