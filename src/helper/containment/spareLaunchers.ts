// A spare launcher (`launcher.js --wait`) started before a server needs it: a lazy server's first call then waits for
// the server's own start only, not for one more Node start first (the launcher that joins the cgroups, then execs:
// 40-75 ms of the +70 ms a first call paid over the server's own start here). At most one, in the pid registry from
// its spawn on (so it is a server's pid there before it can become one), gone after SPARE_IDLE_MS unused; it also
// leaves by itself when its stdin closes, so an engine that dies leaves no spare behind.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Disposable } from '../../shared/disposable';
import type { PidRegistry } from '../registry/pidRegistry';
import { isLiveProcess } from '../sampling/procFsTable';
import type { ProcessTable } from '../sampling/types';
import { LAUNCHER_NODE_FLAGS } from './launcher';

/** An unused spare goes after this long (the next cached answer starts another). */
export const SPARE_IDLE_MS = 10 * 60_000;

export interface SpareLauncher {
  child: ChildProcess;
  pid: number;
  startTime: number;
}

/** What the spare joins and execs (launcher.ts's --wait format). */
export interface LaunchInstruction {
  procs: string[];
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export function writeInstruction(child: ChildProcess, instruction: LaunchInstruction): void {
  const body = Buffer.from(JSON.stringify(instruction), 'utf8');
  child.stdin!.write(Buffer.concat([Buffer.from(`${body.length.toString(16).padStart(8, '0')}\n`, 'latin1'), body]));
}

/** True while the spare's pid is still that process (same start time) and not a zombie. Linux: where spares exist. */
function waiting(s: SpareLauncher): boolean {
  return isLiveProcess(s.pid, s.startTime === 0 ? undefined : s.startTime); // 0: its start time could not be read
}

export class SpareLaunchers implements Disposable {
  private spare: SpareLauncher | undefined;
  private starting: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Spares started and spares used, for status and the bench. */
  spawned = 0;
  used = 0;

  constructor(
    private readonly launcher: string,
    private readonly registry: PidRegistry,
    private readonly table: ProcessTable,
  ) {}

  /** A server may start soon (a client was answered from the lazy cache, or a server stopped): have a spare ready. */
  prewarm(): void {
    if (this.disposed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.drop(), SPARE_IDLE_MS);
    this.idleTimer.unref?.();
    if (this.spare || this.starting) return;
    this.starting = this.start().finally(() => {
      this.starting = undefined;
    });
  }

  /** The ready spare, now the caller's (it writes the instruction and records the server in the registry). */
  take(): SpareLauncher | undefined {
    const s = this.spare;
    if (!s) return undefined;
    this.spare = undefined;
    // Its exit may not have been reaped yet: /proc says whether it still waits (a zombie or a reused pid does not).
    if (s.child.exitCode !== null || s.child.signalCode !== null || !waiting(s)) {
      this.kill(s);
      return undefined;
    }
    this.used++;
    return s;
  }

  private async start(): Promise<void> {
    const child = spawn(process.execPath, [...LAUNCHER_NODE_FLAGS, this.launcher, '--wait'], {
      cwd: '/',
      env: process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
      shell: false,
    });
    child.stdin!.on('error', () => undefined);
    const ok = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!ok || child.pid === undefined) return;
    const pid = child.pid;
    const startTime = (await this.table.startTimeOf(pid)) ?? 0;
    this.registry.record({ pid, pgid: process.platform === 'win32' ? 0 : pid, startTime, command: 'mcp-warden launcher --wait (spare)', server: '', cgroups: [] });
    const spare: SpareLauncher = { child, pid, startTime };
    this.spawned++;
    child.once('exit', () => {
      if (this.spare !== spare) return; // taken: the server it became is the supervisor's
      this.spare = undefined;
      this.registry.remove(pid);
    });
    if (this.disposed || child.exitCode !== null) {
      this.kill(spare);
      return;
    }
    this.spare = spare;
  }

  private kill(s: SpareLauncher): void {
    // Closing stdin is enough (it leaves on EOF); the signal covers a spare stuck before its read.
    s.child.stdin?.end();
    try {
      s.child.kill('SIGKILL');
    } catch {
      // gone
    }
    this.registry.remove(s.pid);
  }

  private drop(): void {
    this.idleTimer = undefined;
    const s = this.spare;
    this.spare = undefined;
    if (s) this.kill(s);
  }

  get ready(): boolean {
    return this.spare !== undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.drop();
  }
}
