// The cap policies, in one place: pure functions from (caps, latest sample, history) to decisions with reasons.
// The memory figure is the server's true memory (its cgroup's working set, else summed PSS; RSS only where neither
// exists), so shared pages do not kill a tree that is nowhere near its limit. Nothing here touches a process.
import type { ServerCaps } from '../../shared/config';
import { formatBytes } from '../../shared/format';
import type { HistoryPoint, ServerWarning } from '../../shared/protocol';
import { pidsMaxFor } from '../containment/limits';

const MB = 1024 * 1024;
/** Growth is judged over this window and only when the samples span at least GROWTH_MIN_SPAN_MS ("sustained"). */
export const GROWTH_WINDOW_MS = 30_000;
export const GROWTH_MIN_SPAN_MS = 10_000;
const GROWTH_MIN_POINTS = 5;

export type CapDecision =
  | { kind: 'memory-over'; action: ServerCaps['memoryAction']; memoryBytes: number; limitBytes: number; message: string }
  | { kind: 'children-over'; children: number; limit: number; message: string };

export interface CapEvaluation {
  /** At most one enforcement decision per sample: the most severe. */
  decision: CapDecision | null;
  /** Warnings in force now (shown in the snapshot; an event fires when one appears). */
  warnings: ServerWarning[];
}

/** Least-squares slope of the memory figure over the recent history, in MB per minute; null when there is too little data. */
export function growthMBPerMin(history: readonly HistoryPoint[], now: number): number | null {
  const pts = history.filter((p) => now - p.t <= GROWTH_WINDOW_MS);
  if (pts.length < GROWTH_MIN_POINTS || pts[pts.length - 1]!.t - pts[0]!.t < GROWTH_MIN_SPAN_MS) return null;
  const n = pts.length;
  let st = 0, sr = 0, stt = 0, str = 0;
  for (const p of pts) {
    const t = (p.t - pts[0]!.t) / 60_000;
    const r = (p.memoryBytes ?? p.rssBytes) / MB;
    st += t; sr += r; stt += t * t; str += t * r;
  }
  const denom = n * stt - st * st;
  return denom === 0 ? null : (n * str - st * sr) / denom;
}

/**
 * `pidsLimitHits`: forks and threads the kernel's pids.max ((maxChildren + 1) × 16 tasks) refused. A tree that met it
 * between samples forked far past its cap, so a refused fork is the same cap, decided the same way.
 */
export function evaluateCaps(name: string, caps: ServerCaps, memoryBytes: number, children: number, history: readonly HistoryPoint[], now: number, pidsLimitHits = 0): CapEvaluation {
  const warnings: ServerWarning[] = [];
  const limitBytes = caps.memoryLimitMB * MB;
  let decision: CapDecision | null = null;

  if (pidsLimitHits > 0 && children <= caps.maxChildren) {
    decision = {
      kind: 'children-over',
      children,
      limit: caps.maxChildren,
      message: `\`${name}\` tried to start more processes than its limit allows (maxChildren ${caps.maxChildren}; the kernel refused ${pidsLimitHits} fork(s) at pids.max, ${pidsMaxFor(caps.maxChildren)} tasks); its whole process tree was killed.`,
    };
  } else if (children > caps.maxChildren) {
    decision = {
      kind: 'children-over',
      children,
      limit: caps.maxChildren,
      message: `\`${name}\` had ${children} child processes, over its limit of ${caps.maxChildren}; its whole process tree was killed.`,
    };
  } else if (memoryBytes > limitBytes) {
    const verb = caps.memoryAction === 'restart' ? 'was restarted' : caps.memoryAction === 'kill' ? 'was stopped' : 'was left running (memoryAction "warn")';
    decision = {
      kind: 'memory-over',
      action: caps.memoryAction,
      memoryBytes,
      limitBytes,
      message: `\`${name}\` exceeded ${formatBytes(limitBytes)} (${formatBytes(memoryBytes)}) and ${verb}.`,
    };
  }
  if (memoryBytes >= (limitBytes * caps.warnAtPercent) / 100) {
    warnings.push({
      code: 'MEMORY_WARN',
      message: `\`${name}\` uses ${formatBytes(memoryBytes)}, ${Math.round((memoryBytes / limitBytes) * 100)}% of its ${formatBytes(limitBytes)} limit.`,
    });
  }
  const growth = growthMBPerMin(history, now);
  if (growth !== null && growth > caps.memoryGrowthMBPerMin) {
    warnings.push({
      code: 'MEMORY_GROWTH',
      message: `\`${name}\` is growing by ${Math.round(growth)} MB/min (warning above ${caps.memoryGrowthMBPerMin} MB/min).`,
    });
  }
  if (caps.maxChildren > 0 && children >= Math.ceil(caps.maxChildren * 0.8) && children <= caps.maxChildren) {
    warnings.push({ code: 'CHILDREN_WARN', message: `\`${name}\` has ${children} child processes (limit ${caps.maxChildren}).` });
  }
  return { decision, warnings };
}

/** Restart intensity (OTP style): at most maxRestarts within restartWindowSec; exponential backoff between attempts. */
export function restartDecision(caps: ServerCaps, recentRestartTimes: readonly number[], now: number): { allowed: boolean; delayMs: number; inWindow: number } {
  const inWindow = recentRestartTimes.filter((t) => now - t < caps.restartWindowSec * 1000).length;
  if (inWindow >= caps.maxRestarts) return { allowed: false, delayMs: 0, inWindow };
  return { allowed: true, delayMs: Math.min(250 * 2 ** inWindow, 10_000), inWindow };
}
