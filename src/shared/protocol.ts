// Every message between the extension (or the CLI's control-socket client) and the helper, with its types.
// Both sides import this file, so a renamed field breaks the build, not a user.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ConfigProblem, ServerCaps, SpecOrigin, WardenSettings } from './config';
import type { WardenErrorCode } from './errors';
import type { MemorySettings } from './memorySettings';

// ---------------------------------------------------------------------------------------------
// Snapshot types: what the helper knows and the extension shows.

export type ServerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed' | 'failed' | 'capped';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
  rssBytes: number;
}

export interface ToolInfo {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}

export interface ServerWarning {
  code: 'MEMORY_WARN' | 'MEMORY_GROWTH' | 'CHILDREN_WARN';
  message: string;
}

/** Where a server's tree is contained (src/helper/containment/): chosen once per engine, shown per server. */
export type ContainmentKind = 'cgroup2' | 'cgroup2+v1' | 'cgroup1' | 'systemd-scope' | 'process-group' | 'job-object' | 'macos-process-group';

export interface ContainmentInfo {
  backend: ContainmentKind;
  /** The container (a cgroup path, a scope) or, where the kernel contains nothing, why not. */
  detail: string;
}

/** What memoryBytes measures: the cgroup's own charge (working set), the tree's summed PSS, or summed RSS. */
export type MemorySource = 'cgroup' | 'pss' | 'rss';

export interface ServerSnapshot {
  name: string;
  state: ServerState;
  /** Why the server is in its state ("exited with code 1", "memory cap: 1.3 GB > 1 GB", …). */
  stateReason: string;
  pid: number | null;
  command: string;
  args: string[];
  source: string;
  origin: SpecOrigin;
  /** Total RSS of the whole process tree (counts shared pages once per process: an upper bound). */
  rssBytes: number;
  /** The memory figure the caps use: the cgroup's working set where it has a memory cgroup, else summed PSS (Linux), else RSS. */
  memoryBytes: number;
  memorySource: MemorySource;
  /** Null while the server has never been started. */
  containment: ContainmentInfo | null;
  /** Number of descendant processes (the server process itself excluded). */
  children: number;
  processes: ProcessInfo[];
  restarts: number;
  /** Epoch ms when the current process started, or null when not running. */
  startedAt: number | null;
  tools: ToolInfo[];
  lastError: string | null;
  warnings: ServerWarning[];
  caps: ServerCaps;
  inFlightRequests: number;
  /** Set on an instance the session layer added (other roots, or one per client): the configured server it copies. */
  instanceOf?: string;
  /** Clients and tools/call statistics through the session layer, once a client has connected. */
  usage?: ServerUsage;
}

/** One tool's calls through the session layer (clients of Warden, not Warden's own Call Tool). */
export interface ToolUsage {
  name: string;
  calls: number;
  errors: number;
  lastError: string | null;
  lastCallAt: number | null;
}

/** Who calls a server through Warden and how it goes: bounded in the helper (latest 256 durations, 64 tools, 16 clients). */
export interface ServerUsage {
  /**
   * By client (initialize's clientInfo.name, e.g. "Visual Studio Code"; its way in: connect, gateway, http; for VS
   * Code's agent the window id its provider sent, so two windows are two clients), busiest first.
   */
  clients: { name: string; via: string | null; window: string | null; sessions: number; calls: number; lastCallAt: number | null }[];
  calls: number;
  errors: number;
  /** Over the latest durations kept; null before the first call. */
  p50Ms: number | null;
  p95Ms: number | null;
  lastCallAt: number | null;
  lastError: string | null;
  tools: ToolUsage[];
}

/** Where MCP clients reach an engine that serves them (`mcp-warden run` / `daemon`); null fields are not served. */
export interface HelperEndpoints {
  /** The engine's unix socket: `mcp-warden connect` and Streamable HTTP (`/mcp/NAME`). */
  unixSocket: string | null;
  /** `http://127.0.0.1:PORT/mcp` when TCP is enabled. */
  http: string | null;
  /** The file holding the bearer token for `http`. */
  tokenFile: string | null;
  /** Servers the engine answers itself at /mcp/NAME, with no process (VS Code's helper: the memory store). */
  builtins?: string[];
}

/** The memory store's MCP server as the engine serves it in-process at /mcp/NAME. */
export const MEMORY_SERVER_NAME = 'mcp-warden-memory';

export interface HelperInfo {
  pid: number;
  rssBytes: number;
  heapUsedBytes: number;
  startedAt: number;
  nodeVersion: string;
  /** Orphans of a dead earlier helper reaped at start-up (and by Kill Orphans since). */
  reapedOrphans: number;
  stateDir: string;
  controlSocket: string | null;
  /** Null for a helper that serves no MCP clients (VS Code's per-window helper). */
  endpoints?: HelperEndpoints | null;
  /** The containment backend this engine chose at start, and why (why not a better one). */
  containment: { backend: ContainmentKind; reason: string };
  /** The editor windows attached to this engine now (AttachWindowRequest), oldest first. */
  windows?: WindowInfo[];
}

/** One editor window that is a client of the engine: its servers are held while it is attached. */
export interface WindowInfo {
  id: string;
  /** What the window said it is ("my-project", "code-server"), for status. */
  label: string;
  /** The extension host's pid, as the window reported it. */
  pid: number | null;
  attachedAt: number;
}

export interface WardenSnapshot {
  sampledAt: number;
  helper: HelperInfo;
  servers: ServerSnapshot[];
}

export interface HistoryPoint {
  /** Epoch ms. */
  t: number;
  rssBytes: number;
  /** The figure caps use (see ServerSnapshot.memoryBytes); growth is judged on it (RSS where absent). */
  memoryBytes?: number;
  children: number;
}

export type WardenEventKind = 'state' | 'cap' | 'warning' | 'orphans-reaped' | 'config-problem' | 'config-change' | 'error' | 'restart';

export interface WardenEvent {
  /** Monotonic per helper, so a listener can tell it missed some. */
  seq: number;
  time: number;
  kind: WardenEventKind;
  server: string | null;
  /** For 'state': the new state. */
  state?: ServerState;
  /** For 'cap', 'warning' and 'error'. */
  code?: WardenErrorCode | ServerWarning['code'];
  /** A whole sentence a person can read. */
  message: string;
  /** For memory caps: the measured figure (ServerSnapshot.memoryBytes, not RSS) and the limit. */
  rssBytes?: number;
  limitBytes?: number;
  /** For 'config-change' (a reload): what happened to this server's entry. */
  change?: 'added' | 'removed' | 'changed';
  /** For 'cap': what Warden did. */
  action?: 'restart' | 'kill' | 'warn' | 'refuse' | 'give-up';
  /** For 'state' running: the server's pid, the tools it listed, and ms from spawn to a completed handshake. */
  pid?: number;
  toolCount?: number;
  handshakeMs?: number;
  /**
   * For 'restart' (a restart scheduled after a crash or a cap): this restart's number within the window (1-based),
   * at most `maxAttempts` (maxRestarts), after `backoffMs`. For a 'cap' give-up: the restarts made in the window.
   */
  attempt?: number;
  maxAttempts?: number;
  backoffMs?: number;
  /** For 'state' stopped / capped / crashed after a stop: how long the stop took, how long the process had run, and the pids that survived SIGKILL. */
  stopMs?: number;
  uptimeMs?: number;
  survivorPids?: number[];
}

// ---------------------------------------------------------------------------------------------
// Configuration: the extension tells the helper where servers are configured; the helper parses.

export interface ConfigFileRef {
  path: string;
  origin: SpecOrigin;
  /** `${workspaceFolder}` for this file. */
  workspaceFolder?: string;
  /** Servers from an untrusted workspace are listed but never started. */
  trusted: boolean;
}

export interface ConfigureParams {
  files: ConfigFileRef[];
  /** Raw server entries from settings (`mcpWarden.servers`), same shape as mcp.json's "servers". */
  settingsServers?: Record<string, unknown>;
  /** Defaults from settings; a config file's top-level "warden" object overrides these for its servers. */
  settings?: Partial<WardenSettings>;
  /** Start every configured, trusted server that is not running yet. */
  autoStart: boolean;
}

export interface ConfigReport {
  servers: { name: string; source: string; origin: SpecOrigin; blocked: string | null }[];
  problems: ConfigProblem[];
}

// ---------------------------------------------------------------------------------------------
// Requests handled by the helper.

export interface ServerParams {
  name: string;
}

export interface CallToolParams {
  name: string;
  tool: string;
  arguments?: Record<string, unknown>;
  timeoutMs?: number;
}

/** An MCP CallToolResult, passed through as the server sent it. */
export interface CallToolResultJson {
  content: unknown[];
  isError?: boolean;
  structuredContent?: unknown;
  [key: string]: unknown;
}

export interface StopResult {
  stopped: string[];
  /** Processes still alive after SIGKILL; never silently ignored. */
  survivors: ProcessInfo[];
}

export interface ReapResult {
  reaped: number;
  pids: number[];
  /** Registry files or entries not acted on (not ours, malformed) and survivors, each a sentence. */
  warnings?: string[];
}

export namespace ConfigureRequest {
  export const method = 'warden/configure';
  /** Extension → helper, at start and whenever a config file or setting changes. */
  export const type = new RequestType<ConfigureParams, ConfigReport, void>(method);
}

export namespace SnapshotRequest {
  export const method = 'warden/snapshot';
  /** Extension or CLI → helper: the latest sample of every server. */
  export const type = new RequestType0<WardenSnapshot, void>(method);
}

export namespace StartServerRequest {
  export const method = 'warden/start';
  export const type = new RequestType<ServerParams, ServerSnapshot, void>(method);
}

export namespace StopServerRequest {
  export const method = 'warden/stop';
  export const type = new RequestType<ServerParams, StopResult, void>(method);
}

export namespace RestartServerRequest {
  export const method = 'warden/restart';
  export const type = new RequestType<ServerParams, ServerSnapshot, void>(method);
}

export namespace StartAllRequest {
  export const method = 'warden/startAll';
  export const type = new RequestType0<ServerSnapshot[], void>(method);
}

export namespace StopAllRequest {
  export const method = 'warden/stopAll';
  export const type = new RequestType0<StopResult, void>(method);
}

export namespace CallToolRequest {
  export const method = 'warden/callTool';
  /** Calls one tool of a running server, bounded by its in-flight cap and a timeout. */
  export const type = new RequestType<CallToolParams, CallToolResultJson, void>(method);
}

export namespace LogsRequest {
  export const method = 'warden/logs';
  /** The bounded stderr ring of one server, oldest line first. */
  export const type = new RequestType<ServerParams & { maxLines?: number }, { lines: string[] }, void>(method);
}

export namespace HistoryRequest {
  export const method = 'warden/history';
  /** The bounded sample history of one server (or of all when name is omitted). */
  export const type = new RequestType<{ name?: string }, Record<string, HistoryPoint[]>, void>(method);
}

export namespace KillOrphansRequest {
  export const method = 'warden/killOrphans';
  /** Reaps processes recorded by dead helpers (never a live helper's, never a reused pid). */
  export const type = new RequestType0<ReapResult, void>(method);
}

export namespace KillProcessRequest {
  export const method = 'warden/killProcess';
  /**
   * Extension → helper: SIGTERM, then SIGKILL after the server's grace, one process of a server's tree — only a pid
   * the last sample saw in that tree (with its start time, so never a reused pid). Killing the server's own process
   * counts as a crash (restart policy applies).
   */
  export const type = new RequestType<{ name: string; pid: number }, { killed: boolean; signal: 'SIGTERM' | 'SIGKILL' | null }, void>(method);
}

export namespace ShutdownRequest {
  export const method = 'warden/shutdown';
  /**
   * From an attached window (window close): detach it, stopping the servers nobody else uses, and report them. From
   * any other connection: stop every server, verify against the process table, then report.
   */
  export const type = new RequestType<{ reason: string }, StopResult, void>(method);
}

export interface AttachWindowParams {
  /** The window's id (a UUID it made): its agent sends it as WINDOW_HEADER, so the engine ends those sessions with it. */
  windowId: string;
  /** The workspace's name (or the editor's), for status and logs. */
  label: string;
  /** The extension host's pid. */
  pid: number;
}

export interface AttachWindowResult {
  /** The id the engine knows the window by (the one it sent). */
  windowId: string;
  enginePid: number;
}

/** The HTTP header that ties an MCP session to the window whose agent opened it (its value: the window's id). */
export const WINDOW_HEADER = 'X-MCP-Warden-Window';

export namespace AttachWindowRequest {
  export const method = 'warden/attachWindow';
  /**
   * Extension → the per-user engine, first on each connection: this connection is an editor window. Its ConfigureRequest
   * then adds the window's servers (workspace files, its user files and settings) beside other windows' instead of
   * replacing them; the servers it starts are held while it stays attached. When the connection closes (window closed,
   * extension host killed) or it sends ShutdownRequest, its HTTP sessions end, its own servers are removed, and a server
   * no other window, terminal agent or HTTP client uses stops.
   */
  export const type = new RequestType<AttachWindowParams, AttachWindowResult, void>(method);
}

export interface SessionsInfo {
  /** Sizes of every map the session layer holds (sessions, instances, requests in flight, …): flat when idle. */
  sizes: Record<string, number>;
  /** Each instance: the supervisor's name for its process, the configured server, the roots it serves, its clients. */
  instances: { server: string; instanceOf: string; roots: string[]; clients: string[] }[];
  /** The engine's live handles and requests (`process.getActiveResourcesInfo()`), for leak tests. */
  activeResources: number;
  heapUsedBytes: number;
}

export namespace SessionsRequest {
  export const method = 'warden/sessions';
  /** CLI or tests → an engine that serves MCP clients: its sessions and instances (null from one that serves none). */
  export const type = new RequestType0<SessionsInfo | null, void>(method);
}

// ---------------------------------------------------------------------------------------------
// Notifications sent by the helper.

export namespace SnapshotNotification {
  export const method = 'warden/snapshotChanged';
  /** Helper → extension after every sample and every state change. */
  export const type = new NotificationType<WardenSnapshot>(method);
}

export namespace EventNotification {
  export const method = 'warden/event';
  /** Helper → extension: a state change, a cap that fired, a warning, reaped orphans. */
  export const type = new NotificationType<WardenEvent>(method);
}

export namespace StderrNotification {
  export const method = 'warden/stderr';
  /** Helper → extension: new stderr lines of one server, batched. */
  export const type = new NotificationType<{ name: string; lines: string[] }>(method);
}

// ---------------------------------------------------------------------------------------------
// Memory store (helper-hosted SQLite). Shared by the MCP memory server, the CLI and the extension.

export interface MemoryRecord {
  id: string;
  content: string;
  category: string;
  tags: string[];
  importance: number;
  source: string;
  workspace: string;
  /** ISO-8601. */
  createdAt: string;
  updatedAt: string;
  accessedAt: string;
}

export interface MemorySaveParams {
  content: string;
  category?: string;
  tags?: string[] | string;
  importance?: number;
  source?: string;
  workspace?: string;
}

export interface MemorySaveResult {
  id: string;
  duplicate: boolean;
  /** Ids evicted to stay within the configured bounds, if any. */
  evicted: string[];
  /** Set when an embedding provider was configured but could not be used. */
  warning?: string;
}

export interface MemorySearchParams {
  query: string;
  limit?: number;
  category?: string;
  tags?: string[] | string;
  workspace?: string;
  /** ISO-8601 lower bound on updatedAt (inclusive). */
  since?: string;
  /** ISO-8601 upper bound on updatedAt (inclusive). */
  until?: string;
  /** 0..1, as a fraction of the best hit's score (scores are relative: the best hit scores 1). */
  minScore?: number;
  /** The nextCursor of the previous page of the same search. */
  cursor?: string;
  /** The query's last word matches as a prefix (search as you type: "sql" finds "sqlite"). */
  prefix?: boolean;
}

export interface MemoryHit extends MemoryRecord {
  score: number;
  /** An excerpt around the matched words, each marked **like this** (absent for vector-only hits). */
  snippet?: string;
}

export interface MemorySearchResult {
  hits: MemoryHit[];
  nextCursor: string | null;
  /** 'fts', 'vector' or 'hybrid'. */
  mode: string;
  warning?: string;
}

export interface MemoryStats {
  count: number;
  dbBytes: number;
  path: string;
  withEmbeddings: number;
  maxMemories: number | null;
  maxBytes: number | null;
  categories: { category: string; count: number }[];
}

export namespace MemorySaveRequest {
  export const method = 'warden/memory/save';
  export const type = new RequestType<MemorySaveParams, MemorySaveResult, void>(method);
}

export namespace MemorySearchRequest {
  export const method = 'warden/memory/search';
  export const type = new RequestType<MemorySearchParams, MemorySearchResult, void>(method);
}

export namespace MemoryGetRequest {
  export const method = 'warden/memory/get';
  export const type = new RequestType<{ id: string }, MemoryRecord, void>(method);
}

export namespace MemoryDeleteRequest {
  export const method = 'warden/memory/delete';
  export const type = new RequestType<{ id: string }, { deleted: boolean }, void>(method);
}

export namespace MemoryRecentRequest {
  export const method = 'warden/memory/recent';
  export const type = new RequestType<{ limit?: number; category?: string }, MemoryRecord[], void>(method);
}

export namespace MemoryStatsRequest {
  export const method = 'warden/memory/stats';
  export const type = new RequestType0<MemoryStats, void>(method);
}

export namespace MemoryConfigureRequest {
  export const method = 'warden/memory/configure';
  /**
   * Extension → helper, on start and whenever the memory settings change: the store's bounds and embeddings provider.
   * Until the first one arrives, the helper uses its environment's MCP_WARDEN_MEMORY_* variables.
   */
  export const type = new RequestType<MemorySettings, void, void>(method);
}

export namespace MemoryImportRequest {
  export const method = 'warden/memory/import';
  /** Streams a JSONL file (ours or server-memory's knowledge graph) into the store. */
  export const type = new RequestType<{ path: string }, { imported: number; duplicates: number; skipped: number; format: string }, void>(method);
}

export namespace MemoryExportRequest {
  export const method = 'warden/memory/export';
  export const type = new RequestType<{ path: string }, { exported: number }, void>(method);
}

export namespace MemoryProgressNotification {
  export const method = 'warden/memory/progress';
  /** Helper → extension during long imports and exports. */
  export const type = new NotificationType<{ operation: 'import' | 'export'; done: number; bytes: number; totalBytes: number | null }>(method);
}
