// The kernel limits a server's caps become: a memory backstop a little above memoryLimitMB (the policy acts first,
// at its sample; the kernel only where a leak outruns the sampler) and a pids.max that leaves every allowed process room
// for its threads.
import type { ServerCaps } from '../../shared/config';
import type { ContainerLimits } from './types';

const MB = 1024 * 1024;
/** Above the policy's limit by an eighth, at least 32 MB: far enough that the policy's restart comes first. */
export const MEMORY_BACKSTOP_MIN_BYTES = 32 * MB;
/**
 * The pids controller counts tasks (threads too), not processes: a Node process holds ~7 here, a Chromium renderer or
 * a JVM 20 and more. pids.max = maxChildren + 1 refused a thread to a tree of nine Node processes under maxChildren 16
 * (tested), and a refused thread killed the tree as a fork bomb. So the kernel allows this many tasks per allowed
 * process: a backstop that still bounds a fork bomb between samples, while the policy holds the process count exactly.
 */
export const TASKS_PER_PROCESS = 16;
/** Room for a multithreaded root to start at all when maxChildren is 0. */
export const PIDS_MAX_FLOOR = 16;

export function kernelLimits(caps: ServerCaps): ContainerLimits {
  const limit = caps.memoryLimitMB * MB;
  return {
    // memoryAction "warn" means the person wants it left running over the limit: no kernel kill then.
    memoryMaxBytes: caps.memoryAction === 'warn' ? 0 : limit + Math.max(MEMORY_BACKSTOP_MIN_BYTES, Math.round(limit / 8)),
    pidsMax: pidsMaxFor(caps.maxChildren),
  };
}

/** The kernel's task limit for a tree allowed maxChildren child processes. */
export function pidsMaxFor(maxChildren: number): number {
  return Math.max(PIDS_MAX_FLOOR, (maxChildren + 1) * TASKS_PER_PROCESS);
}
