// The Linux cgroup backends: pure cgroup2 (membership, kill and limits in one tree), the hybrid "cgroup2+v1"
// (cgroup2 for membership and cgroup.kill, v1 memory and pids for limits: what the machines here have), and pure
// cgroup1 (memory, pids, freezer). Every engine keeps its containers under mcp-warden/<pid>-<start time>/, below
// the engine's own cgroup in each hierarchy, so parallel engines and test runs never collide.
import { readdirSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { isLiveProcess } from '../sampling/procFsTable';
import { makeDir, readPids, readText, removeDir, safeName, under, writable, writeText, type CgroupMounts } from './cgroupFs';
import { CgroupContainer, type CgroupDir, type Role } from './cgroupContainer';
import type { Container, ContainerLimits, ContainmentBackend, ContainmentKind } from './types';

export const CGROUP_PARENT = 'mcp-warden';

/** One hierarchy this backend writes: its role and this engine's directory in it. */
export interface Hierarchy {
  role: Role;
  engineDir: string;
  memory?: boolean;
  pids?: boolean;
}

/** Process-wide, not per backend: two backends in one process (tests) share an engine tag, never a leaf. */
let leafSeq = 0;

export class CgroupBackend implements ContainmentBackend {
  constructor(
    readonly kind: ContainmentKind,
    readonly reason: string,
    readonly hierarchies: Hierarchy[],
    /** dist/launcher.js when servers start through it (and so a spare one can be started ahead: spareLaunchers.ts). */
    readonly launcher: string | undefined,
  ) {}

  get limits(): { memory: boolean; pids: boolean } {
    return {
      memory: this.hierarchies.some((h) => h.role === 'v1-memory' || (h.role === 'v2' && !!h.memory)),
      pids: this.hierarchies.some((h) => h.role === 'v1-pids' || (h.role === 'v2' && !!h.pids)),
    };
  }

  create(server: string, limits: ContainerLimits): Container {
    const leaf = `${safeName(server)}-${++leafSeq}`;
    const dirs: CgroupDir[] = [];
    try {
      for (const h of this.hierarchies) {
        const path = join(h.engineDir, leaf);
        makeDir(path);
        dirs.push({ role: h.role, path, memory: h.memory, pids: h.pids });
      }
    } catch (err) {
      for (const d of dirs) removeDir(d.path);
      throw new Error(`could not create its cgroup (${(err as Error).message})`);
    }
    const container = new CgroupContainer(dirs, `${this.kind} ${dirs[0]?.path ?? ''}`, this.launcher);
    container.setLimits(limits);
    return container;
  }

  dispose(): void {
    // Only this engine's own directory: the shared mcp-warden/ parent may hold other engines' (a racing rmdir
    // of it would fail their next mkdir).
    for (const h of this.hierarchies) removeDir(h.engineDir);
  }
}

/** Whether `<pid>-<start time>` names a live process (the start time guards against a reused pid). */
function engineAlive(tag: string): boolean {
  const m = /^(\d+)-(\d+)$/.exec(tag);
  if (!m) return true; // not an engine's name: not ours to judge
  return isLiveProcess(Number(m[1]), Number(m[2]));
}

/**
 * Removes the empty containers (and then the directories) of engines that are gone, so the hierarchy does not
 * collect them when an engine ended without its cleanup. Containers with members are left alone: killing an
 * engine's orphans is the pid registry's job, which names them and proves whose they are.
 */
export function sweepDeadEngines(parent: string, ownTag: string): number {
  let removed = 0;
  let names: string[] = [];
  try {
    names = readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return 0;
  }
  for (const name of names.slice(0, 1000)) {
    if (name === ownTag || engineAlive(name)) continue;
    const dir = join(parent, name);
    let leaves: string[] = [];
    try {
      leaves = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      continue;
    }
    for (const leaf of leaves) if (readPids(join(dir, leaf)).length === 0 && removeDir(join(dir, leaf))) removed++;
    removeDir(dir);
  }
  return removed;
}

/** Creates this engine's directory in a hierarchy; returns why not when it cannot. */
export function prepareEngineDir(base: string, engineTag: string): { dir?: string; why?: string } {
  const dir = join(base, CGROUP_PARENT, engineTag);
  try {
    makeDir(dir);
  } catch (err) {
    return { why: `${join(base, CGROUP_PARENT)} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  if (!writable(join(dir, 'cgroup.procs'))) {
    removeDir(dir);
    return { why: `${dir}/cgroup.procs is not writable` };
  }
  sweepDeadEngines(join(base, CGROUP_PARENT), engineTag);
  return { dir };
}

/**
 * Enables the memory and pids controllers from the engine's own cgroup down to its directory. Fails (and says so)
 * where the parent does not offer them, or where "no internal processes" forbids it (the engine's cgroup holds it).
 */
export function enableV2Controllers(own: string, engineDir: string): { memory: boolean; pids: boolean; why?: string } {
  const offered = new Set((readText(join(own, 'cgroup.controllers')) ?? '').trim().split(/\s+/).filter(Boolean));
  const wanted = ['memory', 'pids'].filter((c) => offered.has(c));
  if (wanted.length === 0) return { memory: false, pids: false, why: `the cgroup2 hierarchy offers no memory or pids controller here (${own}: "${[...offered].join(' ') || 'none'}")` };
  const levels = [own, join(own, CGROUP_PARENT), engineDir];
  for (const level of levels) {
    const enabled = new Set((readText(join(level, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/));
    const missing = wanted.filter((c) => !enabled.has(c));
    if (!missing.length) continue;
    try {
      writeText(join(level, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
    } catch (err) {
      return { memory: false, pids: false, why: `could not enable ${missing.join(', ')} in ${level} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
  }
  return { memory: wanted.includes('memory'), pids: wanted.includes('pids') };
}

/** A registry's recorded cgroup paths, checked to be an earlier engine's containers and nothing else. */
export function validateRecordedPaths(paths: unknown, mounts: CgroupMounts, ownerTag: string): CgroupDir[] | { why: string } {
  if (!Array.isArray(paths)) return { why: 'cgroups is not a list' };
  const out: CgroupDir[] = [];
  const roots: [Role, string | undefined][] = [['v2', mounts.v2], ['v1-freezer', mounts.v1.freezer], ['v1-memory', mounts.v1.memory], ['v1-pids', mounts.v1.pids]];
  for (const p of paths.slice(0, 8)) {
    if (typeof p !== 'string' || normalize(p) !== p || p.includes('/../')) return { why: `${String(p)} is not a normalized path` };
    // <mount>/<engine's own cgroup>/mcp-warden/<owner pid>-<owner start time>/<leaf>, the leaf one safe segment.
    const m = /\/mcp-warden\/([^/]+)\/[A-Za-z0-9_.-]+$/.exec(p);
    if (!m || m[1] !== ownerTag) return { why: `${p} is not a container of engine ${ownerTag}` };
    const hit = roots.find(([, mount]) => mount && p.startsWith(`${mount}/`));
    if (!hit) return { why: `${p} is not under a cgroup mount` };
    out.push({ role: hit[0], path: p });
  }
  return out;
}

export function engineDirOf(containerPath: string): string {
  return join(containerPath, '..');
}

export { under };
