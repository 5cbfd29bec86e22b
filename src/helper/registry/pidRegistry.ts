// The durable record of every process group this helper started, one file per helper, so that the next
// helper can reap what a crashed one left behind — and never touch a live helper's servers or a reused pid.
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import type { ReapResult } from '../../shared/protocol';
import { assertPrivateDir, ensurePrivateDir, readPrivateFile, writeFileAtomic } from '../platform/privatePaths';
import { terminateTree } from '../platform/terminate';
import { reapRecordedCgroups } from '../containment/reap';
import type { ProcessIdentity, ProcessTable } from '../sampling/types';
import type { RegistryEntry } from './types';

export const MAX_TRACKED_DESCENDANTS = 256;
const REAP_GRACE_MS = 1000;
const MAX_REAP_WARNINGS = 100;

export interface RegistryReapResult extends ReapResult {
  /** Registry files that could not be read; moved aside as *.corrupt, never deleted. */
  warnings: string[];
}

interface RegistryFile {
  version: 1;
  ownerPid: number;
  ownerStartTime: number;
  entries: RegistryEntry[];
}

const isPid = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 1;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * The entry's identity fields, checked; null when they are missing or malformed (then it is not acted on).
 * Fields this version does not know (a later one may add some) are ignored, never an error.
 */
function validEntry(raw: unknown): RegistryEntry | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const e = raw as Partial<RegistryEntry>;
  if (!isPid(e.pid) || !isTime(e.startTime) || typeof e.pgid !== 'number') return null;
  // Our servers lead their own process group (pgid === pid) or have none (Windows: 0); any other pgid is forged.
  if (e.pgid !== e.pid && e.pgid !== 0) return null;
  const descendants = Array.isArray(e.descendants) ? e.descendants.filter((d) => isPid(d?.pid) && isTime(d?.startTime)) : [];
  return { ...(e as RegistryEntry), descendants: descendants.slice(0, MAX_TRACKED_DESCENDANTS) };
}

export class PidRegistry implements Disposable {
  private readonly entries = new Map<number, RegistryEntry>();
  private readonly file: string;
  private disposed = false;

  private constructor(
    private readonly dir: string,
    readonly owner: ProcessIdentity,
    private readonly table: ProcessTable,
  ) {
    this.file = join(dir, `${owner.pid}-${owner.startTime}.json`);
  }

  static async open(stateDir: string, table: ProcessTable): Promise<PidRegistry> {
    // Whoever can write here chooses which processes the next helper kills: both directories must be ours alone.
    assertPrivateDir(stateDir, 'state directory');
    const dir = ensurePrivateDir(join(stateDir, 'registry'), 'registry directory');
    const startTime = (await table.startTimeOf(process.pid)) ?? 0;
    return new PidRegistry(dir, { pid: process.pid, startTime }, table);
  }

  get size(): number {
    return this.entries.size;
  }

  record(entry: Omit<RegistryEntry, 'ownerPid' | 'ownerStartTime' | 'descendants'>): void {
    this.entries.set(entry.pid, { ...entry, ownerPid: this.owner.pid, ownerStartTime: this.owner.startTime, descendants: [] });
    this.write();
  }

  updateDescendants(pid: number, descendants: ProcessIdentity[]): void {
    const entry = this.entries.get(pid);
    if (!entry) return;
    // Keep the ones we already know (they may have left the tree) and add new ones, up to the bound.
    const merged = new Map(entry.descendants.map((d) => [d.pid, d]));
    let changed = false;
    for (const d of descendants) {
      if (merged.size >= MAX_TRACKED_DESCENDANTS) break;
      const had = merged.get(d.pid);
      if (!had || had.startTime !== d.startTime) {
        merged.set(d.pid, { pid: d.pid, startTime: d.startTime });
        changed = true;
      }
    }
    if (!changed) return;
    entry.descendants = [...merged.values()].slice(-MAX_TRACKED_DESCENDANTS);
    this.write();
  }

  remove(pid: number): void {
    if (this.entries.delete(pid)) this.write();
  }

  /** Atomic write that never follows a symlink (see writeFileAtomic): a crash mid-write leaves the previous version. */
  private write(): void {
    if (this.disposed) return;
    if (this.entries.size === 0) {
      try {
        unlinkSync(this.file);
      } catch {
        // already gone
      }
      return;
    }
    const body: RegistryFile = { version: 1, ownerPid: this.owner.pid, ownerStartTime: this.owner.startTime, entries: [...this.entries.values()] };
    writeFileAtomic(this.file, JSON.stringify(body));
  }

  /**
   * Kills the trees recorded by helpers that are dead, then forgets them. Only files that are ours (not a symlink, not
   * writable by others) are read; a process is signalled only when its pid and start time match the entry, and its
   * process group only when the group's leader is that very process (a group whose leader exited may have been reused).
   */
  async reapOrphans(): Promise<RegistryReapResult> {
    const result: RegistryReapResult = { reaped: 0, pids: [], warnings: [] };
    const warn = (message: string) => {
      if (result.warnings.length < MAX_REAP_WARNINGS) result.warnings.push(message);
    };
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return result;
    }
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.dir, name);
      if (path === this.file) continue;
      let data: RegistryFile;
      let text: string;
      try {
        text = readPrivateFile(path, 'registry file');
      } catch (err) {
        // Not ours or not a plain file: never acted on, never moved (it is not ours to move); said every time.
        if (err instanceof WardenError) warn(err.message);
        continue;
      }
      try {
        data = JSON.parse(text) as RegistryFile;
        if (!Array.isArray(data.entries) || typeof data.ownerPid !== 'number') throw new Error('unexpected shape');
      } catch (err) {
        warn(`registry file ${path} is unreadable (${err instanceof Error ? err.message : String(err)}); moved aside to ${path}.corrupt`);
        try {
          renameSync(path, `${path}.corrupt`);
        } catch {
          // someone else moved it
        }
        continue;
      }
      const ownerStart = await this.table.startTimeOf(data.ownerPid);
      if (ownerStart !== undefined && ownerStart === data.ownerStartTime) continue; // a live helper: its servers are its own
      for (const raw of data.entries) {
        const entry = validEntry(raw);
        if (!entry) {
          warn(`registry file ${path} has a malformed entry; it was not acted on`);
          continue;
        }
        // The cgroup first: its members are the tree whatever setsid or reparenting did, killed at once.
        const cg = await reapRecordedCgroups(entry.cgroups, data.ownerPid, data.ownerStartTime);
        result.reaped += cg.killed.length;
        for (const w of cg.warnings) warn(w);
        const { survivors, signalled } = await terminateTree(
          { pid: entry.pid, pgid: entry.pgid, startTime: entry.startTime, tracked: entry.descendants, groupNeedsLeader: true },
          this.table,
          REAP_GRACE_MS,
        );
        if (signalled > 0 || cg.killed.length > 0) {
          result.reaped += signalled;
          if (result.pids.length < 1000) result.pids.push(entry.pid);
        }
        for (const s of survivors) warn(`orphan ${s.pid} (${s.command}) survived SIGKILL`);
      }
      try {
        unlinkSync(path);
      } catch {
        // another helper reaped it at the same time
      }
    }
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.entries.size === 0) this.write();
    this.disposed = true;
  }
}
