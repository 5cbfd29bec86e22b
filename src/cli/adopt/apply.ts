// Carries out an adoption plan: backups first, then the log, then Warden's config, then each client file (atomically).
// A failure part-way puts back what was already written and leaves no record, so nothing is half-adopted.
import { readFileSync, rmSync } from 'node:fs';
import { WardenError } from '../../shared/errors';
import {
  backupPath, ensureAdoptDir, MAX_RECORDS, newRunId, readLog, removeBackup, takeLock, writeLog, type AdoptionRecord,
} from './adoptionLog';
import { writeFileAtomic, writeNewFile } from './atomicWrite';
import { sha256, type AdoptionPlan, type FileChange } from './planner';
import { canonicalEntry } from './translate';

export interface AdoptionResult {
  run: string;
  records: AdoptionRecord[];
}

function currentBytes(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function unchangedSincePlanned(change: FileChange): boolean {
  const now = currentBytes(change.realPath);
  return change.before ? !!now && now.equals(change.before.bytes) : now === null;
}

export function applyAdoption(plan: AdoptionPlan, stateDir: string, now = new Date()): AdoptionResult {
  if (plan.unparseable.length) {
    throw new WardenError('CONFIG_INVALID', `Nothing was adopted: ${plan.unparseable.map((u) => `cannot parse ${u.path}: ${u.message}`).join('; ')}.`);
  }
  const changes = [...(plan.wardenConfig ? [plan.wardenConfig] : []), ...plan.changes];
  const run = newRunId(now);
  if (!changes.length) return { run, records: [] };
  ensureAdoptDir(stateDir);
  const unlock = takeLock(stateDir);
  try {
    const log = readLog(stateDir);
    if (log.records.length + changes.length > MAX_RECORDS) {
      throw new WardenError('ADOPT_CONFLICT', `The adoption log holds ${log.records.length} changes (at most ${MAX_RECORDS}); run mcp-warden unadopt first.`);
    }
    for (const c of changes) {
      if (!unchangedSincePlanned(c)) throw new WardenError('ADOPT_CONFLICT', `${c.path} changed while adopting; nothing was written. Run adopt again.`);
    }
    const records: AdoptionRecord[] = changes.map((c, i) => {
      const backup = c.before ? backupPath(stateDir, run, i, c.path) : null;
      if (backup) writeNewFile(backup, c.before!.bytes);
      return {
        run, time: now.toISOString(), client: c.client, format: c.format, path: c.path, realPath: c.realPath, existed: !!c.before,
        mode: c.before ? c.before.mode : c.mode, backup, beforeSha256: c.before ? sha256(c.before.bytes) : null,
        afterSha256: sha256(Buffer.from(c.after, 'utf8')),
        servers: c.servers.map((m) => ({ container: m.container, clientName: m.clientName, wardenName: m.wardenName, added: m.added, definitionSha256: m.definition ? sha256(canonicalEntry(m.definition)) : '' })),
      };
    });
    // Recorded before any file changes: an adopt killed half-way still leaves unadopt what it needs.
    writeLog(stateDir, { version: 1, records: [...log.records, ...records] });
    const written: FileChange[] = [];
    try {
      for (const c of changes) {
        // Checked again just before the write: clients such as Claude Code rewrite their files while they run.
        if (!unchangedSincePlanned(c)) throw new WardenError('ADOPT_CONFLICT', `${c.path} changed while adopting; nothing was kept. Run adopt again.`);
        writeFileAtomic(c.realPath, c.after, c.mode);
        written.push(c);
      }
    } catch (err) {
      rollBack(written);
      writeLog(stateDir, log);
      for (const r of records) removeBackup(r.backup);
      throw err;
    }
    return { run, records };
  } finally {
    unlock();
  }
}

function rollBack(written: FileChange[]): void {
  for (const c of written.reverse()) {
    if (c.before) writeFileAtomic(c.realPath, c.before.bytes, c.before.mode);
    else rmSync(c.realPath, { force: true });
  }
}
