// What the OS process table says about one process, and the interface every platform reader implements.

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Process group id (POSIX); equal to pid for a group leader. 0 where the platform has none. */
  pgid: number;
  /** Session id (POSIX); a child that called setsid has its own. 0 where the platform has none. */
  sid: number;
  rssBytes: number;
  /**
   * When the process started, in a platform unit that only needs to be stable for one boot
   * (Linux: clock ticks since boot, field 22 of /proc/PID/stat). Together with the pid it names
   * one process, so a reused pid is never mistaken for the one we started.
   */
  startTime: number;
  /** argv joined by spaces (or the short name when argv is unreadable), truncated to 512 chars. */
  command: string;
  /** Linux state letter (R, S, D, Z, …); 'Z' zombies hold no memory and are not counted as alive. */
  state: string;
}

/** One read of the whole OS process table, keyed by pid. */
export type ProcessTableSnapshot = Map<number, ProcessEntry>;

/**
 * Reads the process table. Implementations: Linux `/proc` (fast, default on Linux) and a portable
 * one built on `ps`/`ps-tree`. Chosen once at start-up with `createProcessTable()`.
 */
export interface ProcessTable {
  readonly kind: 'proc' | 'ps';
  /** One read of every process on the machine: one syscall pass, never one `ps` per server. */
  read(): Promise<ProcessTableSnapshot>;
  /** The start time of one pid, or undefined if it is gone (cheap; used by the registry). */
  startTimeOf(pid: number): Promise<number | undefined>;
}

/** A process we started or saw under one of our servers: pid plus start time names it uniquely. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}
