// Limits notifications so a crash loop cannot flood the user: at most one per key per interval, and a global cap per window.

import { BoundedMap } from '../shared/bounded';

export interface RateLimiterOptions {
  /** Minimum time between two notifications with the same key (e.g. one server). */
  perKeyIntervalMs: number;
  /** At most this many notifications in any `globalWindowMs`. */
  globalMax: number;
  globalWindowMs: number;
  /** Bound on remembered keys. */
  maxKeys?: number;
}

export class RateLimiter {
  private readonly lastByKey: BoundedMap<string, number>;
  private readonly recent: number[] = [];
  /** Refused notifications per key since that key's group last took them, so the next one names the right server. */
  private readonly suppressedByKey: BoundedMap<string, number>;

  constructor(private readonly options: RateLimiterOptions) {
    this.lastByKey = new BoundedMap(options.maxKeys ?? 256);
    this.suppressedByKey = new BoundedMap(options.maxKeys ?? 256);
  }

  private refuse(key: string): false {
    this.suppressedByKey.set(key, (this.suppressedByKey.get(key) ?? 0) + 1);
    return false;
  }

  /** True when a notification for `key` may be shown now; records it if so. */
  allow(key: string, nowMs: number): boolean {
    const last = this.lastByKey.get(key);
    if (last !== undefined && nowMs - last < this.options.perKeyIntervalMs) return this.refuse(key);
    while (this.recent.length && nowMs - this.recent[0]! >= this.options.globalWindowMs) this.recent.shift();
    if (this.recent.length >= this.options.globalMax) return this.refuse(key);
    // `recent` never exceeds globalMax entries: the check above refuses before a push.
    this.recent.push(nowMs);
    this.lastByKey.set(key, nowMs);
    return true;
  }

  /** Returns and resets the count of refused notifications whose key starts with `prefix` (all of them without one). */
  takeSuppressed(prefix = ''): number {
    let n = 0;
    for (const [key, count] of [...this.suppressedByKey.entries()]) {
      if (!key.startsWith(prefix)) continue;
      n += count;
      this.suppressedByKey.delete(key);
    }
    return n;
  }
}
