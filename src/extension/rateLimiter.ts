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
  /** Notifications refused since the last one allowed (so the next one can say how many were suppressed). */
  suppressed = 0;

  constructor(private readonly options: RateLimiterOptions) {
    this.lastByKey = new BoundedMap(options.maxKeys ?? 256);
  }

  /** True when a notification for `key` may be shown now; records it if so. */
  allow(key: string, nowMs: number): boolean {
    const last = this.lastByKey.get(key);
    if (last !== undefined && nowMs - last < this.options.perKeyIntervalMs) {
      this.suppressed++;
      return false;
    }
    while (this.recent.length && nowMs - this.recent[0]! >= this.options.globalWindowMs) this.recent.shift();
    if (this.recent.length >= this.options.globalMax) {
      this.suppressed++;
      return false;
    }
    // `recent` never exceeds globalMax entries: the check above refuses before a push.
    this.recent.push(nowMs);
    this.lastByKey.set(key, nowMs);
    return true;
  }

  /** Returns and resets the count of refused notifications. */
  takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}
