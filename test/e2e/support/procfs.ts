// Reads the Linux process table from /proc for the end-to-end tests: trees, identities (pid + start time), env markers.
// Independent of the product's own sampler on purpose: the tests check the OS, not Warden's view of it.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
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
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: the fields after it start at the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0]!;
    const ppid = Number(rest[1]);
    const startTicks = Number(rest[19]);
    const rssPages = Number(rest[21]);
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // Gone between the two reads.
    }
    return { pid, ppid, startTicks, state, cmdline, rssBytes: rssPages * PAGE_BYTES };
  } catch {
    return null;
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

/** True when the exact process (pid and start time) still exists and is not a zombie. */
export function isAlive(p: { pid: number; startTicks: number }): boolean {
  const now = readProc(p.pid);
  return !!now && now.startTicks === p.startTicks && now.state !== 'Z';
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await check();
  while (!last && Date.now() < deadline) {
    await sleep(intervalMs);
    last = await check();
  }
  return last;
}
