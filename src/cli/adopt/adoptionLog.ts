// The adoption log and backups, beside Warden's state (`<state dir>/adopt/`, 0700): what each adoption changed, the
// bytes it replaced (backups, 0600) and their hashes, so unadopt restores exactly those bytes and notices later edits.
import { closeSync, constants, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../../shared/errors';
import { pidAlive } from '../../helper/platform/pidAlive';
import { ensurePrivateDir } from '../../helper/platform/privatePaths';
import { ensureStateDir } from '../../helper/platform/stateDir';
import { writeFileAtomic } from './atomicWrite';
import type { ClientId } from './types';

/** Most records the log keeps. Past it, adopt refuses (rather than forget how to undo older adoptions). */
export const MAX_RECORDS = 512;

export interface RecordedServer {
  /** Where the entry sits in its file (the server map's JSON path) and its name there. */
  container: string[];
  clientName: string;
  wardenName: string;
  /** True when this adoption added the server to Warden's config (so unadopt may take it out again). */
  added: boolean;
  /** sha256 of the definition as adopted (canonical JSON): a different one at unadopt time means the user changed it. */
  definitionSha256: string;
}

/**
 * Who a record's file belongs to: a client's file, Warden's user config ('warden'), or a workspace adoption's two
 * files (`.vscode/mcp.json` and `.vscode/mcp-warden.json`, see workspace.ts), which `mcp-warden unadopt` leaves alone.
 */
export type RecordKind = ClientId | 'warden' | 'vscode-workspace' | 'vscode-workspace-warden';

export interface AdoptionRecord {
  /** The adoption run this change belongs to (its records share it). */
  run: string;
  time: string;
  client: RecordKind;
  format: 'json' | 'toml';
  path: string;
  realPath: string;
  existed: boolean;
  mode: number;
  /** The file's bytes before the change; null when the file did not exist. */
  backup: string | null;
  beforeSha256: string | null;
  afterSha256: string;
  servers: RecordedServer[];
}

export interface AdoptionLog {
  version: 1;
  records: AdoptionRecord[];
}

export function adoptDir(stateDir: string): string {
  return join(stateDir, 'adopt');
}

/** The state dir and its adopt/ and backups/ dirs, user-only (refused, as the state dir is, when someone else could write there). */
export function ensureAdoptDir(stateDir: string): string {
  ensureStateDir(stateDir);
  const dir = ensurePrivateDir(adoptDir(stateDir), 'adoption directory');
  ensurePrivateDir(join(dir, 'backups'), 'backup directory');
  return dir;
}

function logPath(stateDir: string): string {
  return join(adoptDir(stateDir), 'adoptions.json');
}

export function readLog(stateDir: string): AdoptionLog {
  let text: string;
  try {
    text = readFileSync(logPath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, records: [] };
    throw err;
  }
  try {
    const log = JSON.parse(text) as AdoptionLog;
    if (log.version !== 1 || !Array.isArray(log.records)) throw new Error('unknown format');
    return log;
  } catch (err) {
    throw new WardenError('CONFIG_INVALID', `The adoption log ${logPath(stateDir)} cannot be read (${(err as Error).message}); nothing was changed.`);
  }
}

export function writeLog(stateDir: string, log: AdoptionLog): void {
  writeFileAtomic(logPath(stateDir), `${JSON.stringify(log, null, 2)}\n`, 0o600);
}

/** Where a backup of `path` goes for run `run` (the name says when and what; uniqueness comes from the index). */
export function backupPath(stateDir: string, run: string, index: number, path: string): string {
  const name = path.replace(/^[A-Za-z]:/, '').replace(/[\\/]+/g, '_').replace(/[^\w.@-]+/g, '-').slice(-100);
  return join(adoptDir(stateDir), 'backups', `${run}-${index}${name}`);
}

export function removeBackup(path: string | null): void {
  if (path) rmSync(path, { force: true });
}

/** A run id from the clock: `20261201T084512Z-3f2a` (sortable; the random tail keeps two runs in a second apart). */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

/** One adopt or unadopt at a time per state dir; a lock left by a dead process is taken over. */
export function takeLock(stateDir: string): () => void {
  const path = join(adoptDir(stateDir), 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSafe(path));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new WardenError('ADOPT_CONFLICT', `Another mcp-warden adopt or unadopt is running (pid ${pid}); try again when it has finished (or remove ${path} if none is).`);
      }
      try { unlinkSync(path); } catch { /* taken by a racing process: the next attempt says so */ }
    }
  }
  throw new WardenError('ADOPT_CONFLICT', `Cannot take the adoption lock ${path}.`);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
