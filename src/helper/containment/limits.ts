// The kernel limits a server's caps become: a memory backstop a little above memoryLimitMB (the policy acts first,
// at its sample; the kernel only where a leak outruns the sampler) and pids.max = maxChildren + 1.
import type { ServerCaps } from '../../shared/config';
import type { ContainerLimits } from './types';

const MB = 1024 * 1024;
/** Above the policy's limit by an eighth, at least 32 MB: far enough that the policy's restart comes first. */
export const MEMORY_BACKSTOP_MIN_BYTES = 32 * MB;
/**
 * The pids controller counts tasks (threads too), not processes: a Node process holds ~7 here. The floor leaves a
 * multithreaded root room to start at all when maxChildren is tiny; above it the cap is exactly maxChildren + 1.
 */
export const PIDS_MAX_FLOOR = 16;

export function kernelLimits(caps: ServerCaps): ContainerLimits {
  const limit = caps.memoryLimitMB * MB;
  return {
    // memoryAction "warn" means the person wants it left running over the limit: no kernel kill then.
    memoryMaxBytes: caps.memoryAction === 'warn' ? 0 : limit + Math.max(MEMORY_BACKSTOP_MIN_BYTES, Math.round(limit / 8)),
    pidsMax: Math.max(PIDS_MAX_FLOOR, caps.maxChildren + 1),
  };
}
