// Turns one client entry into the stdio server Warden's config holds, or says why it stays where it is: a remote server,
// a variable Warden cannot answer (${input:…}), a ${workspaceFolder} outside a workspace.
import { basename, isAbsolute, posix, win32 } from 'node:path';
import type { ServerContainer, VariableDialect, WardenServerEntry } from './types';

export type Translation = { ok: true; entry: WardenServerEntry } | { ok: false; reason: string };

/** Keys that say how to start the process: they move to Warden's config and leave the client's entry. */
export const PROCESS_KEYS = ['env', 'cwd', 'envFile', 'env_vars', 'warden'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Untranslatable extends Error {}

function isAbsoluteAny(p: string): boolean {
  return isAbsolute(p) || posix.isAbsolute(p) || win32.isAbsolute(p);
}

function joinLike(base: string, rel: string): string {
  return (win32.isAbsolute(base) && !posix.isAbsolute(base) ? win32 : posix).resolve(base, rel);
}

/** One string in Warden's variable syntax. */
function translateString(value: string, dialect: VariableDialect, container: ServerContainer): string {
  return value.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (dialect === 'claude-code') {
      // Claude Code expands ${VAR} and ${VAR:-default} from its environment; Warden writes them ${env:VAR[:-default]}.
      if (/^[A-Za-z_][A-Za-z0-9_]*(:-.*)?$/s.test(name)) return `\${env:${name}}`;
      throw new Untranslatable(`${whole} has no equivalent in Warden's config`);
    }
    if (dialect === 'vscode') {
      if (/^env:[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === 'userHome' || name === 'pathSeparator' || name === '/') return whole;
      if (name === 'workspaceFolder' || name === 'workspaceRoot' || name === 'workspaceFolderBasename') {
        if (!container.workspaceFolder) throw new Untranslatable(`${whole} is used outside a workspace`);
        return name === 'workspaceFolderBasename' ? basename(container.workspaceFolder) : container.workspaceFolder;
      }
      throw new Untranslatable(`${whole} needs the editor to answer it`);
    }
    // This client passes "${…}" through literally, and Warden would expand it.
    throw new Untranslatable(`${whole} would be read as a variable by Warden`);
  });
}

export function translateEntry(raw: unknown, dialect: VariableDialect, container: ServerContainer): Translation {
  if (!isObject(raw)) return { ok: false, reason: 'the entry is not an object' };
  const type = raw.type;
  if (type !== undefined && type !== 'stdio' && type !== 'local') {
    return { ok: false, reason: `type "${String(type)}" is not a local stdio server` };
  }
  if (raw.command === undefined && (raw.url !== undefined || raw.serverUrl !== undefined)) return { ok: false, reason: 'a remote server (url), not a local process' };
  if (typeof raw.command !== 'string' || !raw.command.trim()) return { ok: false, reason: '"command" is not a non-empty string' };
  if (raw.args !== undefined && !(Array.isArray(raw.args) && raw.args.every((a) => typeof a === 'string'))) {
    return { ok: false, reason: '"args" is not an array of strings' };
  }
  if (raw.env !== undefined && !(isObject(raw.env) && Object.values(raw.env).every((v) => ['string', 'number', 'boolean'].includes(typeof v)))) {
    return { ok: false, reason: '"env" is not an object of strings' };
  }
  if (raw.env_vars !== undefined && !(Array.isArray(raw.env_vars) && raw.env_vars.every((v) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)))) {
    return { ok: false, reason: '"env_vars" is not an array of variable names' };
  }
  for (const key of ['cwd', 'envFile'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') return { ok: false, reason: `"${key}" is not a string` };
  }
  if (raw.warden !== undefined && !isObject(raw.warden)) return { ok: false, reason: '"warden" is not an object' };
  try {
    const tr = (s: string) => translateString(s, dialect, container);
    const entry: WardenServerEntry = { type: 'stdio', command: tr(raw.command), args: ((raw.args as string[] | undefined) ?? []).map(tr) };
    const env: Record<string, string> = {};
    // Codex's env_vars forward variables from the client's environment when they are set; in Warden they come from
    // the engine's, empty when unset (a bare ${env:NAME} would make an unset one a config error).
    for (const name of (raw.env_vars as string[] | undefined) ?? []) env[name] = `\${env:${name}:-}`;
    for (const [k, v] of Object.entries((raw.env as Record<string, unknown> | undefined) ?? {})) env[k] = tr(String(v));
    if (Object.keys(env).length) entry.env = env;
    const base = container.baseDir;
    let cwd = typeof raw.cwd === 'string' ? tr(raw.cwd) : undefined;
    if (cwd !== undefined && !isAbsoluteAny(cwd) && !cwd.startsWith('${')) {
      if (!base) return { ok: false, reason: `"cwd" ${JSON.stringify(cwd)} is relative and the file has no directory it is relative to` };
      cwd = joinLike(base, cwd);
    }
    // A project's servers run in the project: say so, since Warden's config lives elsewhere.
    cwd ??= base;
    if (cwd !== undefined) entry.cwd = cwd;
    if (typeof raw.envFile === 'string') {
      let envFile = tr(raw.envFile);
      if (!isAbsoluteAny(envFile) && !envFile.startsWith('${')) {
        if (!base) return { ok: false, reason: `"envFile" ${JSON.stringify(envFile)} is relative and the file has no directory it is relative to` };
        envFile = joinLike(base, envFile);
      }
      entry.envFile = envFile;
    }
    if (isObject(raw.warden)) entry.warden = raw.warden;
    return { ok: true, entry };
  } catch (err) {
    if (err instanceof Untranslatable) return { ok: false, reason: err.message };
    throw err;
  }
}

/** JSON text with object keys sorted, so two equal values give equal texts whatever their key order. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, norm(v[k])]));
    return v;
  };
  return JSON.stringify(norm(value));
}

/** A stable text for comparing two server definitions (key order and spelled-out defaults do not matter). */
export function canonicalEntry(entry: unknown): string {
  const e = isObject(entry) ? { ...entry } : entry;
  if (isObject(e)) {
    if (e.type === undefined) e.type = 'stdio';
    if (e.args === undefined) e.args = [];
    if (isObject(e.env) && !Object.keys(e.env).length) delete e.env;
  }
  return canonicalJson(e);
}
