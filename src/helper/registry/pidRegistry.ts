// The durable record of every process group this helper started, one file per helper, so that the next
// helper can reap what a crashed one left behind — and never touch a live helper's servers or a reused pid.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Disposable } from '../../shared/disposable';
import type { ReapResult } from '../../shared/protocol';
import { terminateTree } from '../platform/terminate';
import type { ProcessIdentity, ProcessTable } from '../sampling/types';
import type { RegistryEntry } from './types';

export const MAX_TRACKED_DESCENDANTS = 256;
const REAP_GRACE_MS = 1000;

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
    const dir = join(stateDir, 'registry');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
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

  /** Atomic write: tmp file, fsync, rename — a crash mid-write leaves the previous version. */
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
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(body));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  /** Kills the trees recorded by helpers that are dead, verified by pid and start time, then forgets them. */
  async reapOrphans(): Promise<RegistryReapResult> {
    const result: RegistryReapResult = { reaped: 0, pids: [], warnings: [] };
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
      try {
        data = JSON.parse(readFileSync(path, 'utf8')) as RegistryFile;
        if (!Array.isArray(data.entries) || typeof data.ownerPid !== 'number') throw new Error('unexpected shape');
      } catch (err) {
        result.warnings.push(`registry file ${path} is unreadable (${err instanceof Error ? err.message : String(err)}); moved aside to ${path}.corrupt`);
        try {
          renameSync(path, `${path}.corrupt`);
        } catch {
          // someone else moved it
        }
        continue;
      }
      const ownerStart = await this.table.startTimeOf(data.ownerPid);
      if (ownerStart !== undefined && ownerStart === data.ownerStartTime) continue; // a live helper: its servers are its own
      for (const entry of data.entries) {
        const tracked = (entry.descendants ?? []).filter((d) => typeof d.pid === 'number' && typeof d.startTime === 'number');
        const { survivors, signalled } = await terminateTree(
          { pid: entry.pid, pgid: entry.pgid, startTime: entry.startTime, tracked },
          this.table,
          REAP_GRACE_MS,
        );
        if (signalled > 0) {
          result.reaped += signalled;
          if (result.pids.length < 1000) result.pids.push(entry.pid);
        }
        for (const s of survivors) result.warnings.push(`orphan ${s.pid} (${s.command}) survived SIGKILL`);
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
