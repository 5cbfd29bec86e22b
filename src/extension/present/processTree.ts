// A server's processes as the real parent → child tree (by ppid), in a stable order: children under their parent, by pid.
import type { ProcessInfo } from '../../shared/protocol';

export interface ProcessTreeNode {
  process: ProcessInfo;
  depth: number;
  children: ProcessTreeNode[];
}

/** Roots are processes whose parent is not in the list (the server, or a descendant that called setsid and was reparented). */
export function buildProcessTree(processes: readonly ProcessInfo[]): ProcessTreeNode[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const kids = new Map<number, ProcessInfo[]>();
  const roots: ProcessInfo[] = [];
  for (const p of processes) {
    if (p.ppid !== p.pid && byPid.has(p.ppid)) {
      let list = kids.get(p.ppid);
      if (!list) kids.set(p.ppid, (list = []));
      list.push(p);
    } else roots.push(p);
  }
  const seen = new Set<number>();
  const build = (p: ProcessInfo, depth: number): ProcessTreeNode => {
    seen.add(p.pid);
    // `seen` guards against a ppid cycle in a torn read of the process table.
    const children = (kids.get(p.pid) ?? []).filter((c) => !seen.has(c.pid)).sort((a, b) => a.pid - b.pid).map((c) => build(c, depth + 1));
    return { process: p, depth, children };
  };
  // The first process listed is the server itself: it leads, then other roots by pid.
  const first = processes[0];
  roots.sort((a, b) => (a === first ? -1 : b === first ? 1 : a.pid - b.pid));
  const out = roots.map((r) => build(r, 0));
  // A cycle has no root at all: list what is left flat, so nothing is hidden.
  for (const p of processes) if (!seen.has(p.pid)) out.push(build(p, 0));
  return out;
}

/** Depth-first order (parent before its children), as the tree view and the tooltip list them. */
export function flattenProcessTree(nodes: readonly ProcessTreeNode[]): ProcessTreeNode[] {
  const out: ProcessTreeNode[] = [];
  const visit = (n: ProcessTreeNode) => {
    out.push(n);
    n.children.forEach(visit);
  };
  nodes.forEach(visit);
  return out;
}
