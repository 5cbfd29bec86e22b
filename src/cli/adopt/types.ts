// The shapes shared by adopt's parts: which clients exist, where their config files are, what a server entry becomes.

export const CLIENT_IDS = ['claude-code', 'claude-desktop', 'cursor', 'vscode', 'codex'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/** What the locating code needs to know about the machine; tests pass temp dirs here, never the real user's. */
export interface LocateContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  /** --project DIR: a project whose own client files (.mcp.json, .cursor/mcp.json, …) are adopted too. */
  projectDir?: string;
}

/** One place inside a file that holds a map of servers keyed by name (a JSON path, or `mcp_servers` in TOML). */
export interface ServerContainer {
  path: string[];
  /** The directory a server here runs in when its entry names none (a Claude Code project's path), if known. */
  baseDir?: string;
  /** What `${workspaceFolder}` means for entries here (project files only). */
  workspaceFolder?: string;
}

export interface ClientFile {
  client: ClientId;
  path: string;
  format: 'json' | 'toml';
  scope: 'user' | 'project';
  /**
   * The server maps in this file. JSON files may hold more than one (Claude Code's ~/.claude.json: the top level and
   * each project); `containers` is called with the parsed document because some of them are only known from it.
   */
  containers: (doc: unknown) => ServerContainer[];
  /** Turns the client's variable syntax into Warden's (`${VAR}` → `${env:VAR}`); null when the entry cannot be moved. */
  dialect: VariableDialect;
}

/** How a client writes variables inside strings. */
export type VariableDialect = 'vscode' | 'claude-code' | 'none';

/** A stdio server as Warden's config holds it (the loader's format; see src/helper/config/loadConfig.ts). */
export interface WardenServerEntry {
  type: 'stdio';
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  envFile?: string;
  warden?: Record<string, unknown>;
}

/** The command line a client runs to reach Warden (absolute paths, so `mcp-warden` need not be on PATH). */
export interface WardenLauncher {
  node: string;
  cli: string;
  /** Only when it is not the default state dir. */
  stateDir?: string;
}
