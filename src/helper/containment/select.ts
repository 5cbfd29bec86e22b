// Chooses the containment backend once at start: the best one this machine lets the engine write, with the reason
// the better ones are not available. MCP_WARDEN_CONTAINMENT forces one (tests, or a person who wants less).
import { CgroupBackend, enableV2Controllers, prepareEngineDir, type Hierarchy } from './cgroupBackend';
import { ownCgroups, readMounts, removeDir, under, type CgroupMounts } from './cgroupFs';
import { canExecInPlace, findLauncher } from './launcher';
import { ProcessGroupBackend } from './processGroup';
import { detectUserManager, SystemdScopeBackend } from './systemdScope';
import type { ContainmentBackend, ContainmentKind } from './types';
import { WindowsJobBackend } from './windowsJob';

const KINDS: readonly ContainmentKind[] = ['cgroup2', 'cgroup2+v1', 'cgroup1', 'systemd-scope', 'process-group', 'job-object', 'macos-process-group'];

export interface SelectOptions {
  /** "<engine pid>-<engine start time>": names this engine's directories. */
  engineTag: string;
  /** A forced kind ('auto' or unset: choose). Defaults to MCP_WARDEN_CONTAINMENT. */
  force?: string;
}

interface Probe {
  mounts: CgroupMounts;
  v2?: { dir?: string; why?: string; memory: boolean; pids: boolean; whyNoControllers?: string };
  v1: Partial<Record<'memory' | 'pids' | 'freezer', { dir?: string; why?: string }>>;
}

function probe(engineTag: string): Probe {
  const mounts = readMounts();
  const own = ownCgroups();
  const p: Probe = { mounts, v1: {} };
  if (mounts.v2) {
    const base = under(mounts.v2, own.get(''));
    const r = prepareEngineDir(base, engineTag);
    if (r.dir) {
      const c = enableV2Controllers(base, r.dir);
      p.v2 = { dir: r.dir, memory: c.memory, pids: c.pids, whyNoControllers: c.why };
    } else p.v2 = { why: r.why, memory: false, pids: false };
  }
  for (const c of ['memory', 'pids', 'freezer'] as const) {
    const mount = mounts.v1[c];
    if (mount) p.v1[c] = prepareEngineDir(under(mount, own.get(c)), engineTag);
  }
  return p;
}

/** Removes the engine directories a probe made that the chosen backend does not use. */
function release(p: Probe, used: Hierarchy[]): void {
  const keep = new Set(used.map((h) => h.engineDir));
  for (const d of [p.v2?.dir, p.v1.memory?.dir, p.v1.pids?.dir, p.v1.freezer?.dir]) if (d && !keep.has(d)) removeDir(d);
}

function linuxCandidates(p: Probe, launcher: string | undefined, engineTag: string): Map<ContainmentKind, ContainmentBackend | string> {
  const out = new Map<ContainmentKind, ContainmentBackend | string>();
  const v2 = p.v2;
  const v2Why = !p.mounts.v2 ? 'no cgroup2 hierarchy is mounted' : v2?.why;
  const v1Why = (c: 'memory' | 'pids' | 'freezer') => (!p.mounts.v1[c] ? `no v1 ${c} hierarchy is mounted` : p.v1[c]?.why);
  const mem = p.v1.memory?.dir, pids = p.v1.pids?.dir, freezer = p.v1.freezer?.dir;
  const exec = !launcher
    ? '; the launcher (dist/launcher.js) is missing, so each server is moved in right after spawn'
    : canExecInPlace ? '' : '; this Node has no process.execve, so each server is moved in right after spawn';

  if (v2?.dir && (v2.memory || v2.pids)) {
    const limits = [v2.memory && 'memory.max', v2.pids && 'pids.max'].filter(Boolean).join(', ');
    out.set('cgroup2', new CgroupBackend('cgroup2', `cgroup2 with ${limits}${exec}`, [{ role: 'v2', engineDir: v2.dir, memory: v2.memory, pids: v2.pids }], launcher));
  } else if (v2?.dir) {
    out.set('cgroup2', new CgroupBackend('cgroup2', `cgroup2 membership and cgroup.kill only: ${v2.whyNoControllers ?? 'no controllers'}${exec}`, [{ role: 'v2', engineDir: v2.dir }], launcher));
  } else out.set('cgroup2', v2Why ?? 'cgroup2 is not available');

  if (v2?.dir && (mem || pids)) {
    const hs: Hierarchy[] = [{ role: 'v2', engineDir: v2.dir }];
    if (mem) hs.push({ role: 'v1-memory', engineDir: mem });
    if (pids) hs.push({ role: 'v1-pids', engineDir: pids });
    const missing = [!mem && `memory (${v1Why('memory')})`, !pids && `pids (${v1Why('pids')})`].filter(Boolean).join(', ');
    out.set('cgroup2+v1', new CgroupBackend('cgroup2+v1', `cgroup2 for membership and cgroup.kill (it has no controllers here), v1 ${[mem && 'memory', pids && 'pids'].filter(Boolean).join(' and ')} for limits${missing ? `; no ${missing}` : ''}${exec}`, hs, launcher));
  } else out.set('cgroup2+v1', !v2?.dir ? (v2Why ?? 'cgroup2 is not available') : `no writable v1 memory or pids hierarchy (${v1Why('memory')}; ${v1Why('pids')})`);

  if (freezer || pids || mem) {
    const hs: Hierarchy[] = [];
    if (freezer) hs.push({ role: 'v1-freezer', engineDir: freezer });
    if (mem) hs.push({ role: 'v1-memory', engineDir: mem });
    if (pids) hs.push({ role: 'v1-pids', engineDir: pids });
    const missing = (['freezer', 'memory', 'pids'] as const).filter((c) => !p.v1[c]?.dir).map((c) => `${c} (${v1Why(c)})`).join(', ');
    out.set('cgroup1', new CgroupBackend('cgroup1', `cgroup v1 ${hs.map((h) => h.role.slice(3)).join(', ')}${freezer ? ', stop by freeze-then-kill' : ', stop by signals (no freezer)'}${missing ? `; no ${missing}` : ''}${exec}`, hs, launcher));
  } else out.set('cgroup1', `no writable v1 memory, pids or freezer hierarchy (${v1Why('memory')}; ${v1Why('pids')}; ${v1Why('freezer')})`);

  const um = detectUserManager();
  out.set('systemd-scope', um.ok ? new SystemdScopeBackend(`systemd user scope per server: ${um.why}`, engineTag, p.mounts.v2) : um.why);
  return out;
}

function hierarchiesOf(b: ContainmentBackend): Hierarchy[] {
  return b instanceof CgroupBackend ? b.hierarchies : [];
}

export function selectContainment(options: SelectOptions): ContainmentBackend {
  const force = (options.force ?? process.env.MCP_WARDEN_CONTAINMENT ?? 'auto').trim() || 'auto';
  if (force !== 'auto' && !KINDS.includes(force as ContainmentKind)) {
    return new ProcessGroupBackend(`MCP_WARDEN_CONTAINMENT="${force}" is not one of auto, ${KINDS.join(', ')}; using process groups`);
  }
  if (process.platform === 'win32') return force === 'auto' || force === 'job-object' ? new WindowsJobBackend() : new ProcessGroupBackend(`forced ${force}`);
  if (process.platform === 'darwin') {
    return new ProcessGroupBackend('macOS: process groups plus an exit watch (each exit sweeps the group); macOS has no cgroups', 'macos-process-group');
  }
  if (process.platform !== 'linux') return new ProcessGroupBackend(`${process.platform} has no cgroups`);
  if (force === 'process-group') return new ProcessGroupBackend('forced by MCP_WARDEN_CONTAINMENT');

  const launcher = findLauncher();
  const p = probe(options.engineTag);
  const candidates = linuxCandidates(p, launcher, options.engineTag);
  const pick = (kind: ContainmentKind): ContainmentBackend | undefined => {
    const c = candidates.get(kind);
    return typeof c === 'object' ? c : undefined;
  };
  let chosen: ContainmentBackend | undefined;
  if (force !== 'auto') chosen = pick(force as ContainmentKind);
  else {
    // Full cgroup2 first; then the hybrid when cgroup2 lacks the controllers; then v1; then cgroup2 without limits.
    const full = pick('cgroup2');
    if (full?.limits.memory || full?.limits.pids) chosen = full;
    else chosen = pick('cgroup2+v1') ?? pick('cgroup1') ?? full ?? pick('systemd-scope');
  }
  if (!chosen) {
    const why = force !== 'auto' ? `forced ${force}, but ${String(candidates.get(force as ContainmentKind) ?? 'it is not available on Linux')}` : [...candidates.values()].filter((c) => typeof c === 'string').join('; ');
    release(p, []);
    return new ProcessGroupBackend(`no cgroup the engine may write: ${why}`);
  }
  release(p, hierarchiesOf(chosen));
  return chosen;
}
