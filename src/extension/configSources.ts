// Where servers are configured, as the extension tells the helper: each workspace folder's Warden file
// (`.vscode/mcp-warden.json`), Warden's user config, listed config files, settings. A workspace's `.vscode/mcp.json` is
// VS Code's own and is not sent: its stdio servers are offered for adoption instead (src/extension/adopt/).
// vscode-free (inputs are plain data), so which files are sent is unit-tested.
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_SETTINGS, SETTING_BOUNDS, type WardenSettings } from '../shared/config';
import type { ConfigFileRef } from '../shared/protocol';
import { insertMember, parseJsonc } from '../shared/jsonc';

export interface FolderInfo {
  name: string;
  fsPath: string;
}

export interface ConfigSourceInputs {
  folders: FolderInfo[];
  /** vscode.workspace.isTrusted */
  trusted: boolean;
  /** mcpWarden.configFiles */
  configFiles: readonly string[];
  homeDir: string;
  env: Record<string, string | undefined>;
  exists: (path: string) => boolean;
  /** Warden's user config (`servers.json`, where Add Server writes with no folder open and `mcp-warden adopt` moves servers). */
  userConfig?: string;
}

/** Path of a workspace folder's VS Code MCP config (VS Code's own: Warden offers to adopt its servers, never runs them). */
export function workspaceMcpJson(folder: FolderInfo): string {
  return join(folder.fsPath, '.vscode', 'mcp.json');
}

/** Path of a workspace folder's Warden file: mcp.json's format, with `warden` caps; what Warden runs for the workspace. */
export function workspaceWardenJson(folder: FolderInfo): string {
  return join(folder.fsPath, '.vscode', 'mcp-warden.json');
}

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:X}`; relative paths resolve against the first folder. */
export function expandConfigPath(raw: string, firstFolder: string | undefined, homeDir: string, env: Record<string, string | undefined>): string | null {
  let p = raw.trim();
  if (!p) return null;
  if (p === '~' || p.startsWith('~/')) p = homeDir + p.slice(1);
  p = p.replace(/\$\{(userHome|workspaceFolder|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (_m, what: string, envName: string | undefined) => {
    if (what === 'userHome') return homeDir;
    if (what === 'workspaceFolder') return firstFolder ?? '\u0000';
    return env[envName!] ?? '';
  });
  // A ${workspaceFolder} with no folder open cannot be resolved: skip the entry rather than guess.
  if (p.includes('\u0000')) return null;
  if (!isAbsolute(p)) {
    if (!firstFolder) return null;
    p = resolve(firstFolder, p);
  }
  return p;
}

/** The files to send in ConfigureParams, each once, workspace files first. */
export function collectConfigFiles(inputs: ConfigSourceInputs): ConfigFileRef[] {
  const out: ConfigFileRef[] = [];
  const seen = new Set<string>();
  for (const folder of inputs.folders) {
    const path = workspaceWardenJson(folder);
    if (seen.has(path) || !inputs.exists(path)) continue;
    seen.add(path);
    out.push({ path, origin: 'workspace', workspaceFolder: folder.fsPath, trusted: inputs.trusted });
  }
  const first = inputs.folders[0]?.fsPath;
  if (inputs.userConfig && !seen.has(inputs.userConfig) && inputs.exists(inputs.userConfig)) {
    seen.add(inputs.userConfig);
    // The user's own file: trusted in any workspace, like mcpWarden.configFiles.
    out.push({ path: inputs.userConfig, origin: 'user', trusted: true });
  }
  for (const raw of inputs.configFiles) {
    if (typeof raw !== 'string') continue;
    const path = expandConfigPath(raw, first, inputs.homeDir, inputs.env);
    if (!path || seen.has(path)) continue;
    seen.add(path);
    // A file the user listed in their own settings is theirs: trusted, even in an untrusted workspace
    // (workspace values of mcpWarden.configFiles are ignored there: see restrictedConfigurations). It carries no
    // workspace folder: its servers run once in the per-user engine for every window, so no window's folder may become
    // their cwd (two windows would then define two different servers, and the one left would restart on a close).
    out.push({ path, origin: 'user', trusted: true });
  }
  return out;
}

export interface SettingsReadResult {
  settings: Partial<WardenSettings>;
  /** Settings outside their bounds, named, so the user learns why a value was ignored. */
  problems: string[];
}

/**
 * The `mcpWarden.*` setting for each engine setting whose name carries a unit: the Settings editor makes a label of
 * the key ("Request Timeout Ms"), so the settings are named without units (the description gives them). The helper and
 * config files keep the unit names. The old setting names still work when the new ones are not set.
 */
export const RENAMED_SETTINGS: Readonly<Partial<Record<keyof WardenSettings, string>>> = Object.freeze({
  memoryLimitMB: 'memoryLimit',
  warnAtPercent: 'warnThreshold',
  memoryGrowthMBPerMin: 'memoryGrowthRate',
  restartWindowSec: 'restartWindow',
  requestTimeoutMs: 'requestTimeout',
  shutdownGraceMs: 'shutdownGrace',
  sampleIntervalMs: 'sampleInterval',
  maxMessageMB: 'maxMessageSize',
});

export function settingKey(key: keyof WardenSettings): string {
  return RENAMED_SETTINGS[key] ?? key;
}

/**
 * Reads every cap and interval through `get` (vscode's configuration.get), dropping values outside SETTING_BOUNDS.
 * `isSet` says whether a key has a value anywhere (user, workspace, folder); when only a setting's old name is set, it is used.
 */
export function readWardenSettings(get: (key: string) => unknown, isSet: (key: string) => boolean = () => false): SettingsReadResult {
  const settings: Partial<WardenSettings> = {};
  const problems: string[] = [];
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof WardenSettings)[]) {
    const name = settingKey(key);
    const useLegacy = name !== key && !isSet(name) && isSet(key);
    const shown = useLegacy ? key : name;
    const v = get(shown);
    if (v === undefined || v === null) continue;
    if (key === 'memoryAction') {
      if (v === 'restart' || v === 'kill' || v === 'warn') settings.memoryAction = v;
      else problems.push(`mcpWarden.memoryAction must be restart, kill or warn (got ${JSON.stringify(v)})`);
      continue;
    }
    const [min, max] = SETTING_BOUNDS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      problems.push(`mcpWarden.${shown} must be a number from ${min} to ${max} (got ${JSON.stringify(v)}); using the default`);
      continue;
    }
    (settings as Record<string, number>)[key] = v;
  }
  return { settings, problems };
}

/** Splits a command line like a POSIX shell would for plain words and quotes (no expansion). */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length && /["\\$`]/.test(line[i + 1]!)) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (inWord) out.push(cur);
  return out;
}

export interface NewServerEntry {
  type: 'stdio';
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * Adds a server to a config file's text, keeping its comments and formatting; creates the file's content when `text` is null.
 * Writes into "servers" (VS Code's format) unless the file only has Claude-style "mcpServers".
 */
export function addServerToConfigText(text: string | null, name: string, entry: NewServerEntry): string {
  const base = text && text.trim() ? text : '{\n  "servers": {}\n}\n';
  let doc: unknown;
  try {
    doc = parseJsonc(base);
  } catch {
    doc = null;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('the file is not valid JSON; fix it first, then add the server again');
  }
  const d = doc as Record<string, unknown>;
  const key = !d.servers && d.mcpServers && typeof d.mcpServers === 'object' ? 'mcpServers' : 'servers';
  const existing = d[key];
  if (existing !== undefined && (existing === null || typeof existing !== 'object' || Array.isArray(existing))) {
    throw new Error(`"${key}" in this file is not an object; fix it first`);
  }
  if (existing && name in (existing as object)) throw new Error(`a server named "${name}" already exists in this file`);
  return insertMember(base, key, name, entry);
}

/** A server name the helper and the tree can use as an id. */
export function validateServerName(name: string): string | null {
  if (!name.trim()) return 'Give the server a name';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return 'Use letters, digits, ".", "_" or "-" (up to 64), starting with a letter or digit';
  return null;
}
