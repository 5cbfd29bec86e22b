// Config types shared by the helper, the CLI and the extension: caps, their defaults and bounds, server specs.

export type MemoryAction = 'restart' | 'kill' | 'warn';

/** Caps that apply to one server. Top-level `"warden"` sets defaults; a server entry's `"warden"` overrides them. */
export interface ServerCaps {
  memoryLimitMB: number;
  warnAtPercent: number;
  memoryAction: MemoryAction;
  memoryGrowthMBPerMin: number;
  maxChildren: number;
  maxRestarts: number;
  restartWindowSec: number;
  maxInFlightRequests: number;
  requestTimeoutMs: number;
  shutdownGraceMs: number;
  stderrLines: number;
  /** The longest message (one JSON-RPC line on stdout) a server may send, in MB; a longer reply fails its call. */
  maxMessageMB: number;
}

/** Settings that apply to the whole helper. */
export interface HelperSettings {
  maxServers: number;
  sampleIntervalMs: number;
  historySize: number;
}

export type WardenSettings = ServerCaps & HelperSettings;

export const DEFAULT_SERVER_CAPS: Readonly<ServerCaps> = Object.freeze({
  memoryLimitMB: 1024,
  warnAtPercent: 80,
  memoryAction: 'restart',
  memoryGrowthMBPerMin: 300,
  maxChildren: 64,
  maxRestarts: 3,
  restartWindowSec: 60,
  maxInFlightRequests: 16,
  requestTimeoutMs: 60_000,
  shutdownGraceMs: 3000,
  stderrLines: 500,
  maxMessageMB: 8,
});

export const DEFAULT_HELPER_SETTINGS: Readonly<HelperSettings> = Object.freeze({
  maxServers: 20,
  sampleIntervalMs: 2000,
  historySize: 300,
});

export const DEFAULT_SETTINGS: Readonly<WardenSettings> = Object.freeze({ ...DEFAULT_SERVER_CAPS, ...DEFAULT_HELPER_SETTINGS });

/** Inclusive numeric bounds for every numeric setting; config outside them is an error, not a clamp. */
export const SETTING_BOUNDS: Readonly<Record<Exclude<keyof WardenSettings, 'memoryAction'>, readonly [number, number]>> = Object.freeze({
  memoryLimitMB: [16, 1024 * 1024],
  warnAtPercent: [1, 100],
  memoryGrowthMBPerMin: [1, 1024 * 1024],
  maxChildren: [0, 10_000],
  maxRestarts: [0, 100],
  restartWindowSec: [1, 86_400],
  maxInFlightRequests: [1, 1000],
  requestTimeoutMs: [100, 3_600_000],
  shutdownGraceMs: [0, 60_000],
  stderrLines: [10, 100_000],
  maxMessageMB: [1, 1024],
  maxServers: [1, 200],
  sampleIntervalMs: [100, 60_000],
  historySize: [10, 10_000],
});

/** Where a server entry came from; workspace files need a trusted workspace before they run. */
export type SpecOrigin = 'workspace' | 'user' | 'settings' | 'cli';

/** A validated, fully resolved description of one stdio MCP server (the supervisor's "child spec"). */
export interface ServerSpec {
  name: string;
  /** The command as written in config. */
  command: string;
  args: string[];
  /** Extra environment on top of the helper's own (already expanded). */
  env: Record<string, string>;
  cwd: string | undefined;
  /** The config file (absolute path) or "settings". */
  source: string;
  origin: SpecOrigin;
  caps: ServerCaps;
  /** How clients share this server through the session layer (src/helper/sessions); defaults when absent. */
  sessions?: SessionOptions;
}

/** `"shared"`: clients with the same key share one instance; `"perClient"`: one instance per client session. */
export type InstanceMode = 'shared' | 'perClient';

/** Per-server options of the session layer, set in the same `"warden"` objects as the caps. */
export interface SessionOptions {
  instances: InstanceMode;
  /** Requests one client may have in flight through one instance; the next one fails at once. */
  maxInFlightPerClient: number;
  /** Answer initialize and the list methods from the last run's cache and start on the first call (src/helper/lazy/); false: start at once. */
  lazy?: boolean;
  /** A server the session layer started stops after this long without requests (and no resource subscription). */
  idleStopSec?: number;
}

export const DEFAULT_SESSION_OPTIONS: Readonly<SessionOptions> = Object.freeze({ instances: 'shared', maxInFlightPerClient: 8, lazy: true, idleStopSec: 600 });

export const SESSION_OPTION_BOUNDS: Readonly<Record<'maxInFlightPerClient' | 'idleStopSec', readonly [number, number]>> = Object.freeze({
  maxInFlightPerClient: [1, 1000],
  idleStopSec: [1, 7 * 86_400],
});

export const INSTANCE_MODES: readonly InstanceMode[] = ['shared', 'perClient'];

/** A config problem: the entry is skipped, the others still start. */
export interface ConfigProblem {
  source: string;
  server: string | null;
  message: string;
}
