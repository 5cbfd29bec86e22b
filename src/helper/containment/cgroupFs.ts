// The cgroup filesystem as this process sees it: where each hierarchy is mounted, which cgroup the engine itself is
// in, and small read/write helpers that never throw where a missing file only means "not available".
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupMounts {
  /** The cgroup2 mount point, if any (/sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on hybrid ones). */
  v2?: string;
  /** v1 mount points by controller (memory, pids, freezer). */
  v1: Partial<Record<'memory' | 'pids' | 'freezer', string>>;
}

/** Mount points from /proc/self/mountinfo (field 5 is the mount point; after " - " come type, source, options). */
export function parseMountinfo(text: string): CgroupMounts {
  const out: CgroupMounts = { v1: {} };
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const mountPoint = unescapeMount(left[4] ?? '');
    const type = right[0];
    if (type === 'cgroup2') out.v2 ??= mountPoint;
    else if (type === 'cgroup') {
      const opts = new Set([...(right[2] ?? '').split(','), ...(left[5] ?? '').split(',')]);
      for (const c of ['memory', 'pids', 'freezer'] as const) if (opts.has(c)) out.v1[c] ??= mountPoint;
    }
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The engine's own cgroup per hierarchy from /proc/self/cgroup: key "" for v2, else the v1 controller name. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '') out.set('', m[3]!);
    else for (const c of m[2]!.split(',')) out.set(c, m[3]!);
  }
  return out;
}

export function readMounts(): CgroupMounts {
  try {
    return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return { v1: {} };
  }
}

export function ownCgroups(): Map<string, string> {
  try {
    return parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  } catch {
    return new Map();
  }
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function writeText(path: string, value: string): void {
  writeFileSync(path, value);
}

export function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Pids listed in a cgroup.procs file (empty when the file is gone). */
export function readPids(dir: string): number[] {
  const text = readText(join(dir, 'cgroup.procs'));
  if (!text) return [];
  const out: number[] = [];
  for (const line of text.split('\n')) if (line) out.push(Number(line));
  return out;
}

/** A "key value" file (memory.stat, memory.events, cgroup.events) as a map. */
export function readKeyed(path: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = readText(path);
  if (!text) return out;
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

export function readNumber(path: string): number | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

export function makeDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o755 });
}

/** rmdir of a cgroup directory (its control files go with it); false when it is busy or gone. */
export function removeDir(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Where a cgroup path (as /proc/self/cgroup gives it) lives under a mount point. */
export function under(mount: string, cgroupPath: string | undefined): string {
  return join(mount, cgroupPath && cgroupPath !== '/' ? cgroupPath : '');
}

/** A server name as a directory name: safe characters only, bounded. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_').slice(0, 48) || 'server';
}
