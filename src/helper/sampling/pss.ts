// Proportional set size (PSS) of process trees, from /proc/PID/smaps_rollup. Summed RSS counts a shared page once
// per process (25 Node processes "use" 1 GB where PSS says 250 MB); PSS splits each page among its sharers.
// smaps_rollup walks the page tables: 0.1 ms for a small process, ~2.6 ms for an idle Node one measured here (bench/
// results/pss.json), so reads happen only where they change the answer or within a time budget: between reads a
// process's figure is its last PSS plus its RSS change since (growth is private memory: a leak shows at once); a tree
// whose figure reaches its warn threshold is read now; the rest are read at the sample's end, most uncertain first.
import { readFileSync } from 'node:fs';
import type { ProcessEntry } from './types';

/** smaps_rollup time allowed per sample on average (ms), outside trees near their limit. */
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
  /** This sample's stale processes, read at its end within the budget (most uncertain first, across all trees). */
  private readonly stale = new Map<number, ProcessEntry>();
  private now = 0;
  private credit = 0;
  /** This sample's reads, for benchmarks. */
  readonly stats: PssStats = { reads: 0, readMs: 0 };

  constructor(
    private readonly budgetMs = PSS_BUDGET_MS,
    private readonly read: (pid: number) => number | undefined = readPssBytes,
    /** Milliseconds, for the budget (tests pass their own). */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  beginSample(): void {
    this.seen.clear();
    this.stale.clear();
    this.stats.reads = 0;
    this.stats.readMs = 0;
  }

  /**
   * The tree's memory: summed PSS where known (plus RSS drift since), RSS where not yet read (an upper bound). Only
   * when that figure reaches `exactAboveBytes` (the warn threshold: below it the true figure, never above this one,
   * cannot change a decision) are the tree's uncertain processes read now, until it is either exact or below.
   */
  treeBytes(entries: readonly ProcessEntry[], exactAboveBytes: number, now: number): number {
    this.now = now;
    for (const e of entries) {
      this.seen.add(e.pid);
      if (this.isStale(e, now)) this.stale.set(e.pid, e);
    }
    let total = this.estimate(entries);
    if (total < exactAboveBytes) return total;
    const uncertain = entries.filter((e) => this.needsFresh(e, now)).sort((a, b) => this.age(b, now) - this.age(a, now));
    for (const e of uncertain) {
      this.readOne(e, now);
      this.stale.delete(e.pid);
      total = this.estimate(entries);
      if (total < exactAboveBytes) break;
    }
    return total;
  }

  /** Budgeted reads of this sample's stale processes (used from the next sample on), then forgets the gone ones. */
  endSample(): void {
    const order = [...this.stale.values()].sort((a, b) => this.age(b, this.now) - this.age(a, this.now));
    // A budget on average, carried as credit: one Node process's read (~2.5 ms) is longer than a sample's share, so a
    // sample that overspends is followed by ones that read nothing until the credit is back.
    this.credit = Math.min(this.budgetMs, this.credit + this.budgetMs);
    for (const e of order) {
      if (this.credit <= 0) break;
      this.credit -= this.readOne(e, this.now);
    }
    this.stale.clear();
    for (const pid of this.cache.keys()) if (!this.seen.has(pid)) this.cache.delete(pid);
  }

  get size(): number {
    return this.cache.size;
  }

  private estimate(entries: readonly ProcessEntry[]): number {
    let total = 0;
    for (const e of entries) {
      const c = this.valid(e);
      total += c ? Math.max(0, c.pssBytes + e.rssBytes - c.rssAtRead) : e.rssBytes;
    }
    return total;
  }

  private readOne(e: ProcessEntry, now: number): number {
    const t0 = this.clock();
    const pss = this.read(e.pid);
    const dt = this.clock() - t0;
    this.stats.reads++;
    this.stats.readMs += dt;
    if (pss !== undefined && (this.cache.has(e.pid) || this.cache.size < MAX_CACHED)) {
      this.cache.set(e.pid, { startTime: e.startTime, pssBytes: pss, rssAtRead: e.rssBytes, readAt: now });
    }
    return dt;
  }

  private isStale(e: ProcessEntry, now: number): boolean {
    const c = this.valid(e);
    return !c || now - c.readAt > PSS_REFRESH_MS || Math.abs(e.rssBytes - c.rssAtRead) > Math.max(RSS_DRIFT_MIN_BYTES, e.rssBytes * RSS_DRIFT_FRACTION);
  }

  private needsFresh(e: ProcessEntry, now: number): boolean {
    const c = this.valid(e);
    return !c || now - c.readAt > DECISION_FRESH_MS;
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
