// Proportional set size (PSS) of process trees, from /proc/PID/smaps_rollup. Summed RSS counts a shared page once
// per process (25 Node processes "use" 1 GB where PSS says 250 MB); PSS splits each page among its sharers.
// smaps_rollup walks the page tables, ~0.1-0.3 ms a process measured here, so one sample reads it only within a time
// budget and where it changes the answer: between reads a process's figure is its last PSS plus its RSS change
// since (growth is private memory: a leak shows at once), and a tree near its limit is always read fresh.
import { readFileSync } from 'node:fs';
import type { ProcessEntry } from './types';

/** smaps_rollup time allowed per sample (ms) outside trees near their limit: keeps 20 × 4 processes within 5 ms. */
export const PSS_BUDGET_MS = 1.5;
/** A process's PSS is re-read at least this often, and when its RSS moved by more than RSS_DRIFT. */
export const PSS_REFRESH_MS = 15_000;
const RSS_DRIFT_FRACTION = 0.1;
const RSS_DRIFT_MIN_BYTES = 4 * 1024 * 1024;
/** Near its limit a tree's figures are re-read when older than this. */
const DECISION_FRESH_MS = 1000;
/** The cache holds only processes seen in the last sample, and never more than this. */
const MAX_CACHED = 4096;

/** PSS in bytes from smaps_rollup's "Pss:" line (kB), or undefined when the process is gone or unreadable. */
export function readPssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
  } catch {
    return undefined;
  }
  const at = text.indexOf('\nPss:');
  if (at < 0) return undefined;
  const kb = parseInt(text.slice(at + 5, text.indexOf('kB', at)), 10);
  return Number.isFinite(kb) ? kb * 1024 : undefined;
}

interface Cached {
  startTime: number;
  pssBytes: number;
  rssAtRead: number;
  readAt: number;
}

export interface PssStats {
  reads: number;
  readMs: number;
}

export class PssMeter {
  private readonly cache = new Map<number, Cached>();
  private readonly seen = new Set<number>();
  private spentMs = 0;
  /** This sample's reads, for benchmarks. */
  readonly stats: PssStats = { reads: 0, readMs: 0 };

  constructor(
    private readonly budgetMs = PSS_BUDGET_MS,
    private readonly read: (pid: number) => number | undefined = readPssBytes,
    /** Milliseconds, for the budget (tests pass their own). */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  beginSample(): void {
    this.spentMs = 0;
    this.seen.clear();
    this.stats.reads = 0;
    this.stats.readMs = 0;
  }

  /**
   * The tree's memory: summed PSS where known (plus RSS drift since), RSS where not yet read. When the tree's RSS
   * reaches `exactAboveBytes` (the warn threshold: below it PSS <= RSS cannot change a decision) it is read fresh.
   */
  treeBytes(entries: readonly ProcessEntry[], exactAboveBytes: number, now: number): number {
    let rssSum = 0;
    for (const e of entries) rssSum += e.rssBytes;
    const decisive = rssSum >= exactAboveBytes;
    // Unknown processes first, then the oldest reads: the budget goes where the figure is least true.
    const order = entries.slice().sort((a, b) => this.age(a, now) - this.age(b, now)).reverse();
    for (const e of order) {
      this.seen.add(e.pid);
      const c = this.valid(e);
      const stale = !c || now - c.readAt > PSS_REFRESH_MS || Math.abs(e.rssBytes - c.rssAtRead) > Math.max(RSS_DRIFT_MIN_BYTES, e.rssBytes * RSS_DRIFT_FRACTION);
      const mustRead = decisive && (!c || now - c.readAt > DECISION_FRESH_MS);
      if (!(mustRead || (stale && this.spentMs < this.budgetMs))) continue;
      const t0 = this.clock();
      const pss = this.read(e.pid);
      const dt = this.clock() - t0;
      this.spentMs += dt;
      this.stats.reads++;
      this.stats.readMs += dt;
      if (pss !== undefined && this.cache.size < MAX_CACHED) this.cache.set(e.pid, { startTime: e.startTime, pssBytes: pss, rssAtRead: e.rssBytes, readAt: now });
    }
    let total = 0;
    for (const e of entries) {
      const c = this.valid(e);
      total += c ? Math.max(0, c.pssBytes + e.rssBytes - c.rssAtRead) : e.rssBytes;
    }
    return total;
  }

  /** Forgets processes not seen in this sample (exited, or no longer ours): the cache never outgrows the trees. */
  endSample(): void {
    for (const pid of this.cache.keys()) if (!this.seen.has(pid)) this.cache.delete(pid);
  }

  get size(): number {
    return this.cache.size;
  }

  private valid(e: ProcessEntry): Cached | undefined {
    const c = this.cache.get(e.pid);
    return c && c.startTime === e.startTime ? c : undefined;
  }

  private age(e: ProcessEntry, now: number): number {
    const c = this.valid(e);
    return c ? now - c.readAt : Number.MAX_SAFE_INTEGER;
  }
}
