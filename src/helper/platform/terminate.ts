// Stops a whole process tree: SIGTERM to the group, every known member and every member of its container, a grace
// period, then SIGKILL (cgroup.kill or freeze-then-kill where there is a cgroup), and a final read of the process
// table and the container so survivors are reported instead of assumed gone.
import { spawnSync } from 'node:child_process';
import { collectDescendants, indexChildren, isAlive } from '../sampling/processTree';
import type { ProcessEntry, ProcessIdentity, ProcessTable, ProcessTableSnapshot } from '../sampling/types';
import type { Container } from '../containment/types';

export interface TerminateTarget {
  pid: number;
  pgid: number;
  startTime: number;
  tracked: ProcessIdentity[];
  /**
   * Signal the group only while its leader is alive and is `pid` with `startTime`. For groups read back from disk (the
   * registry), where a group whose leader exited may since have been reused by anyone; members are then reached only
   * through `tracked` identities.
   */
  groupNeedsLeader?: boolean;
  /** The kernel's view of the tree (a cgroup): its members are ours whatever their parent or session. */
  container?: Container;
}

export interface TerminateResult {
  survivors: ProcessEntry[];
  elapsedMs: number;
  /** Distinct processes that received a signal. */
  signalled: number;
}

const KILL_VERIFY_MS = 1000;

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // ESRCH: already gone; EPERM: not ours — never escalate
  }
}

/**
 * Whether processes with pgid === target.pgid are our group. A pgid cannot be reused while any process still
 * carries it, so the group is ours unless its id now names a different leader (pid === pgid with another start time).
 */
function groupIsOurs(snapshot: ProcessTableSnapshot, target: TerminateTarget): boolean {
  if (target.pgid <= 0) return false;
  const leader = snapshot.get(target.pgid);
  if (!leader) return !target.groupNeedsLeader;
  return leader.startTime === target.startTime && target.pgid === target.pid;
}

/** Root (if it is still the process we started), its descendants, tracked escapees, and the rest of its group. */
function members(snapshot: ProcessTableSnapshot, target: TerminateTarget): ProcessEntry[] {
  const index = indexChildren(snapshot);
  const out = new Map<number, ProcessEntry>();
  const rootAlive = isAlive(snapshot, target);
  if (rootAlive) out.set(target.pid, snapshot.get(target.pid)!);
  // Descendants by ppid only count when the root is really ours; a reused root pid has someone else's children.
  for (const e of collectDescendants(snapshot, rootAlive ? target.pid : -1, target.tracked, index)) out.set(e.pid, e);
  // A server that exits on stdin EOF orphans its children before we look: they keep its process group.
  if (groupIsOurs(snapshot, target)) {
    for (const e of snapshot.values()) {
      if (e.pgid === target.pgid && e.state !== 'Z' && !out.has(e.pid)) {
        out.set(e.pid, e);
        for (const d of collectDescendants(snapshot, e.pid, undefined, index)) out.set(d.pid, d);
      }
    }
  }
  // setsid and double forks leave the tree and the group, never the cgroup.
  if (target.container) {
    for (const pid of target.container.members()) {
      const e = snapshot.get(pid);
      if (e && e.state !== 'Z' && !out.has(pid)) out.set(pid, e);
    }
  }
  return [...out.values()];
}

/** Whether the container still holds a process (false where it cannot tell: the process table decides). */
function containerBusy(target: TerminateTarget): boolean {
  return target.container?.isEmpty() === false;
}

function groupAlive(snapshot: ProcessTableSnapshot, pgid: number, target: TerminateTarget): boolean {
  if (!groupIsOurs(snapshot, target)) return false;
  for (const e of snapshot.values()) if (e.pgid === pgid && e.state !== 'Z') return true;
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function terminateTree(target: TerminateTarget, table: ProcessTable, graceMs: number, pollMs = 25): Promise<TerminateResult> {
  const started = Date.now();
  if (process.platform === 'win32') {
    await target.container?.killAll();
    spawnSync('taskkill', ['/PID', String(target.pid), '/T', '/F'], { windowsHide: true });
    const left = members(await table.read(), target);
    return { survivors: left, elapsedMs: Date.now() - started, signalled: 1 };
  }

  let snapshot = await table.read();
  let alive = members(snapshot, target);
  const signalledPids = new Set<number>();
  const known = new Map<number, ProcessIdentity>();
  const remember = (list: ProcessEntry[]) => {
    for (const e of list) known.set(e.pid, { pid: e.pid, startTime: e.startTime });
  };
  remember(alive);

  const sendAll = (sig: NodeJS.Signals) => {
    if (target.pgid > 0 && groupAlive(snapshot, target.pgid, target)) signal(-target.pgid, sig);
    for (const e of alive) if (signal(e.pid, sig)) signalledPids.add(e.pid);
  };

  if (alive.length) sendAll('SIGTERM');
  const graceEnd = started + graceMs;
  while ((alive.length || containerBusy(target)) && Date.now() < graceEnd) {
    await sleep(pollMs);
    snapshot = await table.read();
    // Keep everything we have seen: children forked during the grace period, and ones reparented away.
    alive = members(snapshot, { ...target, tracked: [...target.tracked, ...known.values()] });
    remember(alive);
  }
  if (alive.length || containerBusy(target)) {
    // The whole container at once first (nothing forks away mid-kill), then every process we know of.
    await target.container?.killAll();
    sendAll('SIGKILL');
    const killEnd = Date.now() + KILL_VERIFY_MS;
    while ((alive.length || containerBusy(target)) && Date.now() < killEnd) {
      await sleep(pollMs);
      snapshot = await table.read();
      alive = members(snapshot, { ...target, tracked: [...target.tracked, ...known.values()] });
      remember(alive);
      if (alive.length || containerBusy(target)) {
        await target.container?.killAll();
        sendAll('SIGKILL');
      }
    }
  }
  return { survivors: alive, elapsedMs: Date.now() - started, signalled: signalledPids.size };
}
