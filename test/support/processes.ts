// Test helpers that look at the real OS process table (never our own maps) and clean up by pid.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  startTime: number;
  state: string;
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]), startTime: Number(f[19]) };
  } catch {
    return undefined;
  }
}

export function isRunning(pid: number): boolean {
  const p = readProc(pid);
  return !!p && p.state !== 'Z';
}

/** Every live process whose environment carries this marker (tests tag the processes they start). */
export function pidsWithEnvMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(marker) && isRunning(Number(name))) out.push(Number(name));
    } catch {
      // gone or not ours
    }
  }
  return out;
}

export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, pollMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A unique marker for one test file's processes; put it in their env as MCP_WARDEN_TEST_MARKER. */
export function newMarker(label: string): string {
  return `MCP_WARDEN_TEST_MARKER=${label}-${process.pid}-${Date.now()}`;
}
