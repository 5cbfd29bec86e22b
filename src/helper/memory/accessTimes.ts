// Access times, best effort: a read must never wait for another process's write transaction (in WAL mode reads
// need no lock, but bumping accessed_at is a write). The bump is tried without waiting for the lock; while
// another process holds it, the bumps wait here (bounded) and go out with the next bump that gets the lock.
import type { Database } from './db';

/** Most deferred bumps kept; past it the oldest are dropped (they only order evictions among equals). */
export const MAX_DEFERRED_BUMPS = 10_000;

export class AccessTimes {
  private readonly bump: { run(ms: number, rowids: string): unknown };
  /** rowid → the latest access time not yet written; a Map keeps insertion order for dropping the oldest. */
  private readonly deferred = new Map<number, number>();

  constructor(private readonly db: Database) {
    this.bump = db.prepare('UPDATE memories SET accessed_at = max(accessed_at, ?) WHERE rowid IN (SELECT value FROM json_each(?))');
  }

  /** Records that these memories were read at `ms`; never throws for a busy lock and never waits for one. */
  touch(rowids: readonly number[], ms: number): void {
    for (const r of rowids) {
      this.deferred.delete(r);
      this.deferred.set(r, ms);
    }
    while (this.deferred.size > MAX_DEFERRED_BUMPS) this.deferred.delete(this.deferred.keys().next().value!);
    this.flush();
  }

  /** Writes the deferred bumps if the write lock is free right now; keeps them if it is not. */
  flush(): void {
    if (!this.deferred.size || !this.db.open || this.db.inTransaction) return;
    const byTime = new Map<number, number[]>();
    for (const [rowid, ms] of this.deferred) {
      const list = byTime.get(ms);
      if (list) list.push(rowid);
      else byTime.set(ms, [rowid]);
    }
    const timeoutMs = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.transaction(() => {
        for (const [ms, rowids] of byTime) this.bump.run(ms, JSON.stringify(rowids));
      }).immediate();
      this.deferred.clear();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // Busy or locked: another process is writing; these bumps go out next time. Anything else is a real fault.
      if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${timeoutMs}`);
    }
  }
}
