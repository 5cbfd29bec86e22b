// The one interface every containment backend implements: where a server's process tree lives, how it is launched
// into it, how it is killed as a whole, and what the kernel says it costs. Chosen once at start (select.ts).

import type { ContainmentKind } from '../../shared/protocol';

export type { ContainmentInfo, ContainmentKind } from '../../shared/protocol';

/** Kernel limits derived from a server's caps (0: none). */
export interface ContainerLimits {
  memoryMaxBytes: number;
  pidsMax: number;
}

/** How to start the server's command so that its first instruction already runs contained. */
export interface LaunchCommand {
  file: string;
  args: string[];
  /**
   * True when the command itself joins (a launcher that joins, then execs). False when the engine must move the
   * pid in after spawn (a Node without process.execve): a window in which the command could fork uncontained.
   */
  joinsItself: boolean;
  /** Set when this goes through the launcher: what a spare launcher (spareLaunchers.ts) is told to join and exec. */
  viaLauncher?: { joinFiles: string[]; file: string; args: string[] };
}

/** One server run's container (a cgroup per hierarchy, a scope, a job) — created per spawn, removed at stop. */
export interface Container {
  /** Absolute cgroup directories (recorded in the pid registry so the next engine can kill and remove them). */
  readonly paths: readonly string[];
  /** Shown per server: "cgroup2 /sys/fs/cgroup/unified/mcp-warden/…" or why limits are missing. */
  readonly detail: string;
  launch(file: string, args: readonly string[]): LaunchCommand;
  /** After spawn: move the pid in when the launch could not (see LaunchCommand.joinsItself). */
  adopt(pid: number): void;
  /** Pids the kernel counts as members now (empty where the backend has no membership). */
  members(): number[];
  /** True when the kernel proves the container empty; undefined where the backend cannot say. */
  isEmpty(): boolean | undefined;
  /** Kills every member at once (cgroup.kill, freeze-then-kill); resolves when done or not possible. */
  killAll(): Promise<void>;
  /** The container's own memory charge (working set: charge minus inactive file cache), or undefined. */
  memoryBytes(): number | undefined;
  /** How many times the kernel's memory limit killed a member since the container was created. */
  oomKills(): number;
  /** How many forks the kernel's pids limit refused (pids.events "max"): a fork bomb held at the cap. */
  pidsLimitHits(): number;
  setLimits(limits: ContainerLimits): void;
  /** Removes the (empty) container; true once it is gone. Idempotent, never throws. */
  remove(): boolean;
}

export interface ContainmentBackend {
  readonly kind: ContainmentKind;
  /** Why this backend (and why not a better one): shown in status and the tree. */
  readonly reason: string;
  /** Whether the backend enforces memory / pids limits in the kernel. */
  readonly limits: { memory: boolean; pids: boolean };
  /** The launcher servers start through (dist/launcher.js), when this backend uses one. */
  readonly launcher?: string;
  /** A container for one run of `server`; throws only with a message worth showing (the caller falls back). */
  create(server: string, limits: ContainerLimits): Container;
  /** Removes this engine's own top directory (at exit, once every container is gone). */
  dispose(): void;
}
