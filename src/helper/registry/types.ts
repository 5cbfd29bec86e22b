// The durable record of every process group a helper started, so a later helper can reap orphans.

export interface RegistryEntry {
  /** The server's root process (also its process-group leader on POSIX). */
  pid: number;
  pgid: number;
  /** Start time of `pid` as the ProcessTable reports it (see ProcessEntry.startTime). */
  startTime: number;
  command: string;
  server: string;
  /** The helper that started it, named by pid and start time so a reused pid is never taken for it. */
  ownerPid: number;
  ownerStartTime: number;
  /** Descendants seen while it ran (pid + start time), bounded, so setsid/double-forked ones are reaped too. */
  descendants: { pid: number; startTime: number }[];
  /** The run's cgroup directories (containment), so the next engine can kill and remove them after a kill -9. */
  cgroups?: string[];
}
