// A systemd user scope per server (`systemd-run --user --scope`), where a user manager runs and the engine may not
// write the cgroup tree itself. systemd-run registers the scope for its own pid and then execs the command, so the
// command starts inside it; the scope's cgroup (delegated to the user) is then read from /proc/PID/cgroup and used
// like any cgroup2 container. UNTESTED: the machines here run no user manager (see README).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcCgroup, readText, safeName } from './cgroupFs';
import { CgroupContainer } from './cgroupContainer';
import type { Container, ContainerLimits, ContainmentBackend, LaunchCommand } from './types';

/** Whether a user manager answers: its private socket exists and `systemctl --user` talks to it. */
export function detectUserManager(): { ok: boolean; why: string } {
  const runtime = process.env.XDG_RUNTIME_DIR ?? (typeof process.getuid === 'function' ? `/run/user/${process.getuid()}` : '');
  if (!runtime || !existsSync(join(runtime, 'systemd', 'private'))) return { ok: false, why: `no systemd user manager runs (no ${join(runtime || '$XDG_RUNTIME_DIR', 'systemd/private')})` };
  try {
    execFileSync('systemd-run', ['--version'], { stdio: 'ignore', timeout: 2000 });
  } catch {
    return { ok: false, why: 'systemd-run is not on PATH' };
  }
  return { ok: true, why: 'a systemd user manager runs and the cgroup tree is not ours to write' };
}

class ScopeContainer implements Container {
  private inner: CgroupContainer | undefined;
  constructor(
    private readonly unit: string,
    private readonly mount: string | undefined,
    private limits: ContainerLimits,
  ) {}
  get paths(): string[] {
    return this.inner?.paths ?? [];
  }
  get detail(): string {
    return `systemd-scope ${this.unit}${this.inner ? ` (${this.inner.paths[0]})` : ''}`;
  }
  launch(file: string, args: readonly string[]): LaunchCommand {
    const props: string[] = [];
    if (this.limits.memoryMaxBytes > 0) props.push('-p', `MemoryMax=${this.limits.memoryMaxBytes}`, '-p', 'MemorySwapMax=0');
    if (this.limits.pidsMax > 0) props.push('-p', `TasksMax=${this.limits.pidsMax}`);
    return { file: 'systemd-run', args: ['--user', '--scope', '--quiet', '--collect', `--unit=${this.unit}`, ...props, '--', file, ...args], joinsItself: true };
  }
  adopt(pid: number): void {
    // systemd-run has exec'd by the time the command runs; its cgroup is the scope's.
    const path = parseProcCgroup(readText(`/proc/${pid}/cgroup`) ?? '').get('');
    if (path && this.mount) this.inner = new CgroupContainer([{ role: 'v2', path: join(this.mount, path), memory: true, pids: true }], this.detail, undefined);
  }
  members(): number[] {
    return this.inner?.members() ?? [];
  }
  isEmpty(): boolean | undefined {
    return this.inner?.isEmpty();
  }
  async killAll(): Promise<void> {
    if (this.inner) await this.inner.killAll();
    else {
      try {
        execFileSync('systemctl', ['--user', 'kill', '--signal=SIGKILL', this.unit], { stdio: 'ignore', timeout: 5000 });
      } catch {
        // the scope is gone
      }
    }
  }
  memoryBytes(): number | undefined {
    return this.inner?.memoryBytes();
  }
  oomKills(): number {
    return this.inner?.oomKills() ?? 0;
  }
  pidsLimitHits(): number {
    return this.inner?.pidsLimitHits() ?? 0;
  }
  setLimits(limits: ContainerLimits): void {
    this.limits = limits;
    try {
      const props = [`MemoryMax=${limits.memoryMaxBytes || 'infinity'}`, `TasksMax=${limits.pidsMax || 'infinity'}`];
      execFileSync('systemctl', ['--user', 'set-property', '--runtime', this.unit, ...props], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // not started yet (launch carries the limits) or already gone
    }
  }
  remove(): boolean {
    // --collect: systemd removes the scope once it is empty.
    return true;
  }
}

export class SystemdScopeBackend implements ContainmentBackend {
  readonly kind = 'systemd-scope' as const;
  readonly limits = { memory: true, pids: true };
  private seq = 0;
  constructor(
    readonly reason: string,
    private readonly engineTag: string,
    private readonly v2Mount: string | undefined,
  ) {}
  create(server: string, limits: ContainerLimits): Container {
    return new ScopeContainer(`mcp-warden-${this.engineTag}-${safeName(server)}-${++this.seq}.scope`, this.v2Mount, limits);
  }
  dispose(): void {}
}
