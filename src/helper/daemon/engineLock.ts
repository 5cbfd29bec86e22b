// One engine per state dir: a lock file naming its holder by pid and start time. Taken atomically (link(2) of a
// complete file, so nobody reads a half-written one); a dead holder's lock is taken over, a live one's is refused
// with its pid. VS Code's windows do not take it: they attach to the lock holder as clients (src/helper/windows/).
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import type { Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import { writeNewFile } from '../platform/privatePaths';
import type { ProcessTable } from '../sampling/types';

export interface LockHolder {
  pid: number;
  startTime: number;
  startedAt: number;
  command: string;
}

export interface EngineLock extends Disposable {
  readonly path: string;
}

/** What the lock file names (pid and start time), whether or not that process still lives; null when absent or malformed. */
export function readLockHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.startTime === 'number' ? h : null;
  } catch {
    return null;
  }
}

/** The live holder of the lock, if any (by pid and start time, so a reused pid is not taken for it). */
export async function lockHolder(path: string, table: ProcessTable): Promise<LockHolder | null> {
  const h = readLockHolder(path);
  if (!h) return null;
  const start = await table.startTimeOf(h.pid);
  return start !== undefined && start === h.startTime ? h : null;
}

export async function acquireEngineLock(path: string, table: ProcessTable, command: string): Promise<EngineLock> {
  const me: LockHolder = { pid: process.pid, startTime: (await table.startTimeOf(process.pid)) ?? 0, startedAt: Date.now(), command };
  // A fresh name, created O_EXCL | O_NOFOLLOW: a file or symlink planted at a predictable name is never written through.
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeNewFile(tmp, JSON.stringify(me));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, path);
        return release(path, me);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const live = await lockHolder(path, table);
      if (live) {
        throw new WardenError(
          'HELPER_UNAVAILABLE',
          `Another MCP Warden engine (pid ${live.pid}, \`${live.command}\`) already serves this state dir (lock ${path}); use \`mcp-warden status\` or \`mcp-warden connect\`, or stop it first.`,
        );
      }
      // A dead holder's lock: move it aside (rename is atomic, so of two takers only one gets this file), check it was
      // the dead one we judged, and try again.
      const stale = readLockHolder(path);
      const aside = `${path}.${process.pid}.stale`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readLockHolder(aside);
      if (moved && stale && (moved.pid !== stale.pid || moved.startTime !== stale.startTime)) {
        // We moved a live engine's fresh lock: put it back.
        try {
          linkSync(aside, path);
        } catch {
          // it took another one meanwhile
        }
      }
      try {
        unlinkSync(aside);
      } catch {
        // gone
      }
    }
    throw new WardenError('HELPER_UNAVAILABLE', `Could not take the engine lock ${path} (another engine is starting at the same time).`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone
    }
  }
}

function release(path: string, me: LockHolder): EngineLock {
  let released = false;
  return {
    path,
    dispose() {
      if (released) return;
      released = true;
      const h = readLockHolder(path);
      if (h && h.pid === me.pid && h.startTime === me.startTime) {
        try {
          unlinkSync(path);
        } catch {
          // gone
        }
      }
    },
  };
}
