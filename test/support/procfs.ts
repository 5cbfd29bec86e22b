// Reads the Linux process table from /proc for tests and the extension bench: identities (pid + start time),
// trees, env markers, and cleanup by pid. Independent of the product's own sampler on purpose: the tests check
// the OS, not Warden's view of it.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): with the pid it names one process, never a reused pid. */
  startTicks: number;
  /** 'Z' for a zombie: dead, only waiting to be reaped. */
  state: string;
  cmdline: string;
  rssBytes: number;
}

const PAGE_BYTES = 4096;

export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // comm may contain spaces and parentheses: the fields after it start at the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // Gone between the two reads.
    }
    return {
      pid,
      state: f[0]!,
      ppid: Number(f[1]),
      pgid: Number(f[2]),
      sid: Number(f[3]),
      startTicks: Number(f[19]),
      rssBytes: Number(f[21]) * PAGE_BYTES,
      cmdline,
    };
  } catch {
    return null;
  }
}

/** True while some process has this pid and is not a zombie (for a pid the test started and still holds). */
export function isRunning(pid: number): boolean {
  const p = readProc(pid);
  return !!p && p.state !== 'Z';
}

/** True when the exact process (pid and start time) still exists and is not a zombie. */
export function isAlive(p: { pid: number; startTicks: number }): boolean {
  const now = readProc(p.pid);
  return !!now && now.startTicks === p.startTicks && now.state !== 'Z';
}

/**
 * Processes a test started or saw, by identity (pid + start time): at cleanup only those very processes are alive
 * leaks, never whoever has their pid by then (pids wrap on a busy machine).
 */
export class SeenProcesses {
  private readonly ids = new Map<number, number>();
  add(pid: number | null | undefined): this {
    if (pid === undefined || pid === null || this.ids.has(pid)) return this;
    const p = readProc(pid);
    if (p) this.ids.set(pid, p.startTicks);
    return this;
  }
  /** Those still alive (same start time, not a zombie). */
  alive(): number[] {
    return [...this.ids].filter(([pid, startTicks]) => isAlive({ pid, startTicks })).map(([pid]) => pid);
  }
  /** True while the process seen under this pid (same start time) is alive; false for a pid never added. */
  running(pid: number): boolean {
    const startTicks = this.ids.get(pid);
    return startTicks !== undefined && isAlive({ pid, startTicks });
  }
}

export function listProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** Every live descendant of `rootPid` (the root excluded), from one pass over the table. */
export function descendants(rootPid: number, table: ProcInfo[] = listProcs()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of table) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: ProcInfo[] = [];
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const c of byParent.get(pid) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** Processes whose environment holds `NAME=value`: a run-unique marker the test put in every fixture's env, so even
 * a double-forked, reparented survivor is found without matching on names. */
export function procsWithEnvMarker(name: string, value: string, table: ProcInfo[] = listProcs()): ProcInfo[] {
  const needle = `${name}=${value}`;
  return table.filter((p) => {
    if (p.state === 'Z') return false;
    try {
      return readFileSync(`/proc/${p.pid}/environ`, 'latin1').split('\0').includes(needle);
    } catch {
      return false;
    }
  });
}

/** The names of a process's threads; Node names the OS thread of each worker thread "WorkerThread". */
export function threadNames(pid: number | 'self' = 'self'): string[] {
  const names: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      names.push(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // the thread ended while we listed them
    }
  }
  return names;
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a truthy value and returns it; throws, naming `what`, after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Polls until `check` returns a truthy value or `timeoutMs` passes, and returns the last value, for callers
 * that assert afterwards with a message built from the state they found. */
export async function pollUntil<T>(check: () => T | Promise<T>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await check();
  while (!last && Date.now() < deadline) {
    await sleep(intervalMs);
    last = await check();
  }
  return last;
}
