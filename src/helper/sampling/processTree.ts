// Process-tree arithmetic over one table snapshot: descendants of a root (plus tracked escapees) and their RSS.
import type { ProcessEntry, ProcessIdentity, ProcessTableSnapshot } from './types';

export function indexChildren(snapshot: ProcessTableSnapshot): Map<number, number[]> {
  const index = new Map<number, number[]>();
  for (const e of snapshot.values()) {
    let list = index.get(e.ppid);
    if (!list) index.set(e.ppid, (list = []));
    list.push(e.pid);
  }
  return index;
}

export function isAlive(snapshot: ProcessTableSnapshot, id: ProcessIdentity): boolean {
  const e = snapshot.get(id.pid);
  return !!e && e.startTime === id.startTime && e.state !== 'Z';
}

/**
 * Every live descendant of `rootPid` (root excluded), plus every tracked process still alive with the
 * same start time — those that left the tree (setsid, parent died and they were reparented) — and
 * their descendants. Zombies are skipped: they hold no memory and cannot be signalled usefully.
 */
export function collectDescendants(
  snapshot: ProcessTableSnapshot,
  rootPid: number,
  tracked?: Iterable<ProcessIdentity>,
  childIndex: Map<number, number[]> = indexChildren(snapshot),
): ProcessEntry[] {
  const seen = new Set<number>([rootPid]);
  const out: ProcessEntry[] = [];
  const stack: number[] = [...(childIndex.get(rootPid) ?? [])];
  if (tracked) for (const t of tracked) if (t.pid !== rootPid && isAlive(snapshot, t)) stack.push(t.pid);
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const e = snapshot.get(pid);
    if (!e) continue;
    if (e.state !== 'Z') out.push(e);
    const kids = childIndex.get(pid);
    if (kids) for (const k of kids) if (!seen.has(k)) stack.push(k);
  }
  return out;
}

export function sumRss(entries: Iterable<ProcessEntry>): number {
  let total = 0;
  for (const e of entries) total += e.rssBytes;
  return total;
}
