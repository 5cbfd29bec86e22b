// What every undo of an adoption does with files (unadopt.ts for client files, workspaceUndo.ts for a folder's):
// records folded newest first into one restore per file, and the restores carried out under the adopt lock, with
// today's bytes of a file restored over later edits kept as a backup.
import { rmSync } from 'node:fs';
import { backupPath, ensureAdoptDir, newRunId, removeBackup, takeLock, writeLog, type AdoptionRecord } from './adoptionLog';
import { writeFileAtomic, writeNewFile } from './atomicWrite';

/**
 * exact: the bytes from before adoption; merged: the adopted entries put back into (or taken out of) today's file;
 * replaced: today's file could not be merged (gone, or no longer parseable), so the old bytes go back whole.
 */
export type RestoreHow = 'exact' | 'merged' | 'replaced';

const HOW_RANK: Record<RestoreHow, number> = { exact: 0, merged: 1, replaced: 2 };

/** One file as an undo leaves it. */
export interface FileRestoreBase {
  path: string;
  realPath: string;
  mode: number;
  /** Its bytes now (null: it is gone). */
  current: Buffer | null;
  /** What it gets (null: it is removed). */
  final: Buffer | null;
  /** Edited since adoption: restored only when forced. */
  conflict: boolean;
  how: RestoreHow;
}

/**
 * Adds one record's restore of a file, records taken newest first: a file adopted twice goes back through its second
 * backup to its first, so the older record's bytes and mode win, a conflict in any of them stays, and so does the
 * least exact way.
 */
export function foldRestore<T extends FileRestoreBase>(byFile: Map<string, T>, next: T): void {
  const seen = byFile.get(next.realPath);
  if (!seen) {
    byFile.set(next.realPath, next);
    return;
  }
  seen.final = next.final;
  seen.conflict ||= next.conflict;
  if (HOW_RANK[next.how] > HOW_RANK[seen.how]) seen.how = next.how;
  seen.mode = next.mode;
}

/**
 * Under the adopt lock: writes every file's final bytes (or removes it), then runs `alsoLocked` (more writes of the
 * same undo), then keeps the log's `remaining` records and deletes the backups of the `dropped` ones.
 */
export function applyRestores(
  stateDir: string,
  files: readonly FileRestoreBase[],
  log: { remaining: AdoptionRecord[]; dropped: AdoptionRecord[] },
  alsoLocked: () => void = () => undefined,
): { replacedBackups: string[] } {
  ensureAdoptDir(stateDir);
  const unlock = takeLock(stateDir);
  const replacedBackups: string[] = [];
  try {
    const run = newRunId();
    files.forEach((f, i) => {
      // Forced over later edits: keep today's bytes too, so nothing the user wrote is lost.
      if (f.conflict && f.current) {
        const keep = backupPath(stateDir, `${run}-replaced`, i, f.path);
        writeNewFile(keep, f.current);
        replacedBackups.push(keep);
      }
      if (f.final) writeFileAtomic(f.realPath, f.final, f.mode);
      else rmSync(f.realPath, { force: true });
    });
    alsoLocked();
    writeLog(stateDir, { version: 1, records: log.remaining });
    for (const r of log.dropped) removeBackup(r.backup);
    return { replacedBackups };
  } finally {
    unlock();
  }
}
