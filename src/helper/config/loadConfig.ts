// Turns config files (VS Code mcp.json, Claude Desktop / Cursor mcpServers) and settings into validated server specs.
// A bad entry becomes a ConfigProblem naming the file, the server and the reason; the other entries still load.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_SESSION_OPTIONS, DEFAULT_SETTINGS, type ConfigProblem, type SessionOptions, type ServerCaps, type ServerSpec, type SpecOrigin, type WardenSettings } from '../../shared/config';
import { parseJsonc } from '../../shared/jsonc';
import type { ConfigFileRef, ConfigureParams } from '../../shared/protocol';
import { validateCaps, validateSessionOptions } from './caps';
import { expandVariables, parseDotenv, type VariableContext } from './variables';

export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
const SERVER_NAME = /^[\w.@:-]{1,64}$/;

export interface LoadedServer {
  spec: ServerSpec;
  /** Why the server may not be started (untrusted workspace); null when it may. */
  blocked: string | null;
}

export interface LoadedConfig {
  servers: LoadedServer[];
  problems: ConfigProblem[];
  /** Helper-wide settings after defaults, settings, and the first file that sets them. */
  settings: WardenSettings;
}

interface Source {
  source: string;
  origin: SpecOrigin;
  trusted: boolean;
  workspaceFolder?: string;
  body: unknown;
  baseDir: string;
}

function asStringArray(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readSource(ref: ConfigFileRef, problems: ConfigProblem[]): Source | null {
  let text: string;
  try {
    const buf = readFileSync(ref.path);
    if (buf.length > MAX_CONFIG_FILE_BYTES) {
      problems.push({ source: ref.path, server: null, message: `${ref.path} is larger than 1 MB; not read.` });
      return null;
    }
    // A UTF-8 byte-order mark (Notepad writes one) is not JSON: drop it.
    text = buf.toString('utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A workspace without .vscode/mcp.json is normal, not a problem.
    if (code === 'ENOENT' && ref.origin === 'workspace') return null;
    problems.push({ source: ref.path, server: null, message: `Cannot read ${ref.path}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}` });
    return null;
  }
  let body: unknown;
  try {
    body = text.trim() ? parseJsonc(text) : {};
  } catch (err) {
    problems.push({ source: ref.path, server: null, message: `${ref.path} is not valid JSON: ${(err as Error).message}` });
    return null;
  }
  return { source: ref.path, origin: ref.origin, trusted: ref.trusted, workspaceFolder: ref.workspaceFolder, body, baseDir: dirname(ref.path) };
}

function serverEntries(src: Source, problems: ConfigProblem[]): [string, unknown][] {
  if (!isObject(src.body)) {
    problems.push({ source: src.source, server: null, message: `${src.source}: the top level must be an object with "servers" or "mcpServers".` });
    return [];
  }
  const { servers, mcpServers } = src.body;
  const map = servers ?? mcpServers;
  if (map === undefined) return [];
  if (!isObject(map)) {
    problems.push({ source: src.source, server: null, message: `${src.source}: "${servers !== undefined ? 'servers' : 'mcpServers'}" must be an object keyed by server name.` });
    return [];
  }
  return Object.entries(map);
}

function buildSpec(name: string, raw: unknown, src: Source, defaults: ServerCaps, sessionDefaults: SessionOptions): { spec?: ServerSpec; errors: string[] } {
  const where = `server "${name}" in ${src.source}`;
  const errors: string[] = [];
  if (!SERVER_NAME.test(name)) errors.push(`${where}: the name must be 1–64 letters, digits or . _ - @ :`);
  if (!isObject(raw)) return { errors: [...errors, `${where}: the entry must be an object with "command"`] };
  const type = raw.type ?? (raw.url !== undefined ? 'http' : 'stdio');
  if (type !== 'stdio') return { errors: [`${where}: type "${String(type)}" is not supervised; only local stdio servers (type "stdio") run under MCP Warden`] };
  if (typeof raw.command !== 'string' || !raw.command.trim()) errors.push(`${where}: "command" must be a non-empty string`);
  const args = raw.args === undefined ? [] : asStringArray(raw.args);
  if (!args) errors.push(`${where}: "args" must be an array of strings`);
  if (raw.env !== undefined && (!isObject(raw.env) || !Object.values(raw.env).every((v) => typeof v === 'string' || typeof v === 'number' || v === null))) {
    errors.push(`${where}: "env" must be an object of strings`);
  }
  if (raw.cwd !== undefined && typeof raw.cwd !== 'string') errors.push(`${where}: "cwd" must be a string`);
  if (raw.envFile !== undefined && typeof raw.envFile !== 'string') errors.push(`${where}: "envFile" must be a string`);
  const capCheck = validateCaps(raw.warden, where);
  errors.push(...capCheck.errors);
  const sessionCheck = validateSessionOptions(raw.warden, where);
  errors.push(...sessionCheck.errors);
  if (errors.length) return { errors };

  const ctx: VariableContext = { workspaceFolder: src.workspaceFolder, env: process.env };
  try {
    const env: Record<string, string> = {};
    if (typeof raw.envFile === 'string') {
      const envPath = expandVariables(raw.envFile, ctx);
      // Relative to the config file that names it, wherever the process was started.
      const full = isAbsolute(envPath) ? envPath : resolve(src.baseDir, envPath);
      try {
        Object.assign(env, parseDotenv(readFileSync(full, 'utf8').replace(/^\uFEFF/, '')));
      } catch (err) {
        return { errors: [`${where}: cannot read envFile ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
      }
    }
    for (const [k, v] of Object.entries((raw.env as Record<string, unknown>) ?? {})) {
      if (v === null) continue;
      env[k] = expandVariables(String(v), { ...ctx, env: { ...process.env, ...env } });
    }
    const cwdRaw = typeof raw.cwd === 'string' ? expandVariables(raw.cwd, ctx) : undefined;
    const cwd = cwdRaw === undefined ? src.workspaceFolder : isAbsolute(cwdRaw) ? cwdRaw : resolve(src.workspaceFolder ?? src.baseDir, cwdRaw);
    // spawn() with a missing cwd fails as "spawn node ENOENT", which blames the command: name the directory instead.
    if (cwdRaw !== undefined && cwd !== undefined) {
      const st = statSync(cwd, { throwIfNoEntry: false });
      if (!st) return { errors: [`${where}: its cwd ${cwd} does not exist`] };
      if (!st.isDirectory()) return { errors: [`${where}: its cwd ${cwd} is not a directory`] };
    }
    return {
      errors: [],
      spec: {
        name,
        command: expandVariables(raw.command as string, ctx),
        args: args!.map((a) => expandVariables(a, ctx)),
        env,
        cwd,
        source: src.source,
        origin: src.origin,
        caps: { ...defaults, ...(capCheck.caps as Partial<ServerCaps>) },
        sessions: { ...sessionDefaults, ...sessionCheck.options },
      },
    };
  } catch (err) {
    return { errors: [`${where}: ${(err as Error).message}`] };
  }
}

function pickServerCaps(s: WardenSettings): ServerCaps {
  const { maxServers: _m, sampleIntervalMs: _s, historySize: _h, ...caps } = s;
  return caps;
}

export function loadConfig(params: ConfigureParams, base: Partial<WardenSettings> = {}): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const settingsCheck = validateCaps(params.settings ?? {}, 'settings');
  for (const m of settingsCheck.errors) problems.push({ source: 'settings', server: null, message: m });
  const globalSettings: WardenSettings = { ...DEFAULT_SETTINGS, ...base, ...settingsCheck.caps };

  const sources: Source[] = [];
  for (const ref of params.files) {
    const src = readSource(ref, problems);
    if (src) sources.push(src);
  }
  if (params.settingsServers && Object.keys(params.settingsServers).length) {
    sources.push({ source: 'settings', origin: 'settings', trusted: true, body: { servers: params.settingsServers }, baseDir: process.cwd() });
  }

  const servers: LoadedServer[] = [];
  const helperOverrides: Partial<WardenSettings> = {};
  const seen = new Map<string, string>();
  for (const src of sources) {
    // A file's top-level "warden" object gives defaults for that file's servers.
    const fileCaps = isObject(src.body) ? validateCaps(src.body.warden, src.source) : { caps: {}, errors: [] };
    for (const m of fileCaps.errors) problems.push({ source: src.source, server: null, message: m });
    for (const key of ['maxServers', 'sampleIntervalMs', 'historySize'] as const) {
      const v = (fileCaps.caps as Partial<WardenSettings>)[key];
      if (v !== undefined && helperOverrides[key] === undefined) helperOverrides[key] = v;
    }
    const defaults = pickServerCaps({ ...globalSettings, ...fileCaps.caps });
    const fileSessions = isObject(src.body) ? validateSessionOptions(src.body.warden, src.source) : { options: {}, errors: [] };
    for (const m of fileSessions.errors) problems.push({ source: src.source, server: null, message: m });
    const sessionDefaults: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...fileSessions.options };
    for (const [name, raw] of serverEntries(src, problems)) {
      const { spec, errors } = buildSpec(name, raw, src, defaults, sessionDefaults);
      if (!spec) {
        for (const m of errors) problems.push({ source: src.source, server: name, message: m });
        continue;
      }
      const first = seen.get(name);
      if (first) {
        problems.push({ source: src.source, server: name, message: `server "${name}" in ${src.source} is also defined in ${first}; the first definition is used.` });
        continue;
      }
      seen.set(name, src.source);
      const blocked = src.trusted ? null : `The workspace is not trusted: "${name}" comes from ${src.source} and would run code. Trust the folder to start it.`;
      servers.push({ spec, blocked });
    }
  }
  return { servers, problems, settings: { ...globalSettings, ...helperOverrides } };
}
