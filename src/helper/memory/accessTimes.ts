// Access times, best effort and off the read path: a read must never wait for another process's write transaction
// (in WAL mode reads need no lock, but bumping accessed_at is a write), nor pay for a write transaction of its own
// (a third of a search at 100k). Bumps are kept here (bounded) and written together a moment later, before any
// eviction of this store (evictions are what access times order), and at close; while another process holds the
// write lock they wait here and go out with the next write that gets it.
import { timeout, type Disposable } from '../../shared/disposable';
import type { Database } from './db';

/** Most deferred bumps kept; past it the oldest are dropped (they only order evictions among equals). */
export const MAX_DEFERRED_BUMPS = 10_000;
/** How long bumps wait to be written together (a crash loses at most this much of them). */
export const BUMP_DELAY_MS = 1000;

export class AccessTimes implements Disposable {
  private readonly bump: { run(ms: number, rowids: string): unknown };
  /** rowid → the latest access time not yet written; a Map keeps insertion order for dropping the oldest. */
  private readonly deferred = new Map<number, number>();
  private readonly busyTimeoutMs: number;
  private timer: Disposable | null = null;

  constructor(private readonly db: Database) {
    this.bump = db.prepare('UPDATE memories SET accessed_at = max(accessed_at, ?) WHERE rowid IN (SELECT value FROM json_each(?))');
    this.busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
  }

  /** Records that these memories were read at `ms`; writes them within BUMP_DELAY_MS. Never touches the database. */
  touch(rowids: readonly number[], ms: number): void {
    for (const r of rowids) {
      this.deferred.delete(r);
      this.deferred.set(r, ms);
    }
    while (this.deferred.size > MAX_DEFERRED_BUMPS) this.deferred.delete(this.deferred.keys().next().value!);
    if (this.deferred.size) this.schedule();
  }

  /** Writes the deferred bumps if the write lock is free right now; keeps them (and tries again later) if it is not. */
  flush(): void {
    this.timer?.dispose();
    this.timer = null;
    if (!this.deferred.size || !this.db.open) return;
    if (this.db.inTransaction) {
      this.schedule();
      return;
    }
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.transaction(() => this.write()).immediate();
      this.deferred.clear();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // Busy or locked: another process is writing; these bumps go out next time. Anything else is a real fault.
      if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw err;
      this.schedule();
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  /**
   * Writes the deferred bumps inside the caller's write transaction, before it evicts by access time. They stay
   * deferred too (the bump is idempotent), so a transaction that rolls back does not lose them.
   */
  writeInTransaction(): void {
    if (this.deferred.size) this.write();
  }

  dispose(): void {
    this.timer?.dispose();
    this.timer = null;
  }

  private write(): void {
    const byTime = new Map<number, number[]>();
    for (const [rowid, ms] of this.deferred) {
      const list = byTime.get(ms);
      if (list) list.push(rowid);
      else byTime.set(ms, [rowid]);
    }
    for (const [ms, rowids] of byTime) this.bump.run(ms, JSON.stringify(rowids));
  }

  private schedule(): void {
    this.timer ??= timeout(() => {
      this.timer = null;
      try {
        this.flush();
      } catch {
        // best effort: a store closed or failing meanwhile reports its faults on its own requests
      }
    }, BUMP_DELAY_MS);
  }
}
