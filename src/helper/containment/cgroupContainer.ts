// One server run's cgroups: a membership hierarchy (cgroup2, or v1 freezer) that proves emptiness and kills as a
// whole, plus the hierarchies that hold its kernel limits (cgroup2 controllers, or v1 memory and pids). The
// hybrid machines here have cgroup2 without controllers beside writable v1 ones, so the roles are separate.
import { join } from 'node:path';
import { readKeyed, readNumber, readPids, readText, removeDir, writeText } from './cgroupFs';
import { launchThroughLauncher } from './launcher';
import type { Container, ContainerLimits, LaunchCommand } from './types';

export type Role = 'v2' | 'v1-freezer' | 'v1-memory' | 'v1-pids';

export interface CgroupDir {
  role: Role;
  path: string;
  /** For v2: whether this cgroup has the memory / pids controllers (enabled in its parent's subtree_control). */
  memory?: boolean;
  pids?: boolean;
}

const FREEZE_WAIT_MS = 1000;
const KILL_ROUNDS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function tryWrite(path: string, value: string): boolean {
  try {
    writeText(path, value);
    return true;
  } catch {
    return false;
  }
}

export class CgroupContainer implements Container {
  readonly paths: string[];
  private readonly v2: CgroupDir | undefined;
  private readonly freezer: CgroupDir | undefined;
  private readonly memoryDir: CgroupDir | undefined;
  private readonly pidsDir: CgroupDir | undefined;
  private removed = false;

  constructor(
    readonly dirs: CgroupDir[],
    readonly detail: string,
    private readonly launcher: string | undefined,
  ) {
    this.paths = dirs.map((d) => d.path);
    this.v2 = dirs.find((d) => d.role === 'v2');
    this.freezer = dirs.find((d) => d.role === 'v1-freezer');
    this.memoryDir = dirs.find((d) => d.role === 'v1-memory') ?? (this.v2?.memory ? this.v2 : undefined);
    this.pidsDir = dirs.find((d) => d.role === 'v1-pids') ?? (this.v2?.pids ? this.v2 : undefined);
  }

  /** The directory whose cgroup.procs lists every member (any hierarchy would; v2 or the freezer is preferred). */
  private get membership(): CgroupDir | undefined {
    return this.v2 ?? this.freezer ?? this.dirs[0];
  }

  launch(file: string, args: readonly string[]): LaunchCommand {
    return launchThroughLauncher(this.launcher, this.paths.map((p) => join(p, 'cgroup.procs')), file, args);
  }

  adopt(pid: number): void {
    for (const p of this.paths) tryWrite(join(p, 'cgroup.procs'), String(pid));
  }

  members(): number[] {
    const m = this.membership;
    return m ? readPids(m.path) : [];
  }

  isEmpty(): boolean | undefined {
    if (this.v2) {
      const events = readKeyed(join(this.v2.path, 'cgroup.events'));
      const populated = events.get('populated');
      if (populated !== undefined) return populated === 0;
    }
    const m = this.membership;
    if (!m) return undefined;
    return readPids(m.path).length === 0;
  }

  async killAll(): Promise<void> {
    if (this.isEmpty() !== false) return;
    // cgroup.kill (Linux 5.14+) SIGKILLs every member in one step: nothing can fork away mid-kill.
    if (this.v2 && tryWrite(join(this.v2.path, 'cgroup.kill'), '1')) return;
    // Otherwise freeze first, so no member can fork while we signal the ones we listed, then kill and thaw.
    const freezeFile = this.freezer ? join(this.freezer.path, 'freezer.state') : this.v2 ? join(this.v2.path, 'cgroup.freeze') : undefined;
    const [frozen, thawed] = this.freezer ? ['FROZEN', 'THAWED'] : ['1', '0'];
    for (let round = 0; round < KILL_ROUNDS && this.isEmpty() === false; round++) {
      if (freezeFile && tryWrite(freezeFile, frozen)) await this.waitFrozen(freezeFile);
      for (const pid of this.members()) kill(pid);
      // Killed tasks die only once thawed.
      if (freezeFile) tryWrite(freezeFile, thawed);
      await sleep(10);
    }
  }

  private async waitFrozen(freezeFile: string): Promise<void> {
    const end = Date.now() + FREEZE_WAIT_MS;
    while (Date.now() < end) {
      const state = this.freezer
        ? readText(freezeFile)?.trim()
        : readKeyed(join(this.v2!.path, 'cgroup.events')).get('frozen') === 1 ? 'FROZEN' : '';
      if (state === 'FROZEN') return;
      await sleep(5);
    }
  }

  memoryBytes(): number | undefined {
    const d = this.memoryDir;
    if (!d) return undefined;
    // The working set, as kubelet computes it: the charge minus inactive page cache the kernel would drop first.
    if (d.role === 'v2') {
      const current = readNumber(join(d.path, 'memory.current'));
      if (current === undefined) return undefined;
      return Math.max(0, current - (readKeyed(join(d.path, 'memory.stat')).get('inactive_file') ?? 0));
    }
    const usage = readNumber(join(d.path, 'memory.usage_in_bytes'));
    if (usage === undefined) return undefined;
    return Math.max(0, usage - (readKeyed(join(d.path, 'memory.stat')).get('total_inactive_file') ?? 0));
  }

  oomKills(): number {
    const d = this.memoryDir;
    if (!d) return 0;
    const file = d.role === 'v2' ? 'memory.events' : 'memory.oom_control';
    return readKeyed(join(d.path, file)).get('oom_kill') ?? 0;
  }

  pidsLimitHits(): number {
    const d = this.pidsDir;
    return d ? (readKeyed(join(d.path, 'pids.events')).get('max') ?? 0) : 0;
  }

  setLimits(limits: ContainerLimits): void {
    const m = this.memoryDir;
    if (m?.role === 'v2') {
      tryWrite(join(m.path, 'memory.max'), limits.memoryMaxBytes > 0 ? String(limits.memoryMaxBytes) : 'max');
      // Swap would let a leak past the backstop; one breach kills the whole tree, not a random member.
      tryWrite(join(m.path, 'memory.swap.max'), '0');
      tryWrite(join(m.path, 'memory.oom.group'), '1');
    } else if (m) {
      const limit = limits.memoryMaxBytes > 0 ? String(limits.memoryMaxBytes) : '-1';
      // memsw must stay >= the limit: lift it, set the limit, then pin memsw to it (no swapping past the backstop).
      tryWrite(join(m.path, 'memory.memsw.limit_in_bytes'), '-1');
      tryWrite(join(m.path, 'memory.limit_in_bytes'), limit);
      tryWrite(join(m.path, 'memory.memsw.limit_in_bytes'), limit);
    }
    const p = this.pidsDir;
    if (p) tryWrite(join(p.path, 'pids.max'), limits.pidsMax > 0 ? String(limits.pidsMax) : 'max');
  }

  remove(): boolean {
    if (this.removed) return true;
    let all = true;
    for (const d of this.dirs) if (!removeDir(d.path) && readText(join(d.path, 'cgroup.procs')) !== undefined) all = false;
    this.removed = all;
    return all;
  }
}
