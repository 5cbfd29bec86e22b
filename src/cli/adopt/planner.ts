// Works out an adoption without writing anything: which servers move, the names they get in Warden's config, each
// file's new text, and what is left alone and why. The writer (apply.ts) carries a plan out; --dry-run only prints it.
import { createHash } from 'node:crypto';
import { parse as parseToml } from 'smol-toml';
import { rewriteEntries } from './entryEdits';
import { formattingOf, parseJsonText, setJsonValue } from './jsonEdit';
import { pickName } from './naming';
import { readConfigFile, type ReadFile } from './readFile';
import { editTomlServers, TomlEditError, TomlScanError } from './tomlEdit';
import { canonicalEntry, canonicalJson, PROCESS_KEYS, translateEntry } from './translate';
import type { RecordKind } from './adoptionLog';
import type { ClientFile, ClientId, ServerContainer, WardenLauncher, WardenServerEntry } from './types';
import { connectArgs, wardenTarget } from './wardenEntry';

export interface MovedServer {
  client: ClientId;
  file: string;
  /** Where the entry sits in its file (JSON path of the container). */
  container: string[];
  clientName: string;
  wardenName: string;
  /** False when Warden's config already held this exact definition under that name. */
  added: boolean;
  /** What moves to Warden's config; absent for a repaired entry (it already pointed at Warden, through paths now gone). */
  definition?: WardenServerEntry;
  /** The client entry's new command line, and the keys that leave it (absent where the entry is moved out whole). */
  rewrite?: { command: string; args: string[]; removeKeys: readonly string[] };
  repaired?: boolean;
}

export interface LeftAlone {
  client: ClientId;
  file: string;
  name: string;
  reason: string;
}

export interface FileChange {
  client: RecordKind;
  format: 'json' | 'toml';
  /** The located path, and where writes go. */
  path: string;
  realPath: string;
  /** null: the file does not exist yet (only Warden's own config is ever created). */
  before: ReadFile | null;
  after: string;
  /** Mode for the written file. */
  mode: number;
  servers: MovedServer[];
}

export interface Unparseable {
  path: string;
  message: string;
}

export interface AdoptionPlan {
  /** Client files that change, then Warden's user config last (written first: the servers exist before anyone points at them). */
  changes: FileChange[];
  wardenConfig: FileChange | null;
  moved: MovedServer[];
  alreadyWarden: LeftAlone[];
  leftAlone: LeftAlone[];
  /** Files that exist but cannot be read or parsed: the whole adoption is refused while there are any. */
  unparseable: Unparseable[];
  /** Values never to print: every env and header value in the files a diff shows (their context lines too). */
  secrets: string[];
  /** Files looked at, existing or not (for the report). */
  looked: { client: ClientId; path: string; exists: boolean }[];
}

export interface PlanInputs {
  files: ClientFile[];
  wardenConfigPath: string;
  launcher: WardenLauncher;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(doc: unknown, path: string[]): unknown {
  let cur = doc;
  for (const seg of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** Keys whose values are credentials in one client or another (env, HTTP headers, Codex's bearer_token). */
const SECRET_KEYS = new Set(['env', 'headers', 'http_headers', 'env_http_headers']);

/** Every string under a secret-bearing key, anywhere in the document. */
export function collectSecrets(doc: unknown, out: string[], inSecret = false): void {
  if (typeof doc === 'string') {
    if (inSecret) out.push(doc);
  } else if (Array.isArray(doc)) {
    for (const v of doc) collectSecrets(v, out, inSecret);
  } else if (isObject(doc)) {
    for (const [k, v] of Object.entries(doc)) collectSecrets(v, out, inSecret || SECRET_KEYS.has(k) || k === 'bearer_token');
  }
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const BOM = '\uFEFF';

/** A file's text without its byte-order mark, and a function that puts it back. */
function splitBom(text: string): { body: string; restore: (s: string) => string } {
  return text.startsWith(BOM) ? { body: text.slice(1), restore: (s) => BOM + s } : { body: text, restore: (s) => s };
}

function parseDoc(file: ClientFile, text: string): { ok: true; doc: unknown } | { ok: false; message: string } {
  if (file.format === 'json') {
    const r = parseJsonText(text);
    if (!r.ok) return { ok: false, message: `not valid JSON: ${r.message}` };
    if (r.value !== undefined && !isObject(r.value)) return { ok: false, message: 'the top level is not an object' };
    return { ok: true, doc: r.value ?? {} };
  }
  try {
    return { ok: true, doc: parseToml(text) };
  } catch (err) {
    return { ok: false, message: `not valid TOML: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Warden's own user config: its server map, and the key that map is under. */
interface WardenConfigState {
  read: ReadFile | null;
  text: string;
  key: 'servers' | 'mcpServers';
  servers: Map<string, string>;
}

function readWardenConfig(path: string, unparseable: Unparseable[]): WardenConfigState | null {
  const r = readConfigFile(path);
  if (r.kind === 'missing') return { read: null, text: '', key: 'servers', servers: new Map() };
  if (r.kind === 'unreadable') {
    unparseable.push({ path, message: r.message });
    return null;
  }
  const parsed = parseJsonText(splitBom(r.file.text).body);
  if (!parsed.ok || (parsed.value !== undefined && !isObject(parsed.value))) {
    unparseable.push({ path, message: parsed.ok ? 'the top level is not an object' : `not valid JSON: ${parsed.message}` });
    return null;
  }
  const doc = (parsed.value ?? {}) as Record<string, unknown>;
  const key = doc.servers === undefined && doc.mcpServers !== undefined ? 'mcpServers' : 'servers';
  const map = doc[key];
  if (map !== undefined && !isObject(map)) {
    unparseable.push({ path, message: `"${key}" is not an object` });
    return null;
  }
  const servers = new Map(Object.entries(map ?? {}).map(([k, v]) => [k, canonicalEntry(v)] as [string, string]));
  return { read: r.file, text: r.file.text, key, servers };
}

export function planAdoption(inputs: PlanInputs): AdoptionPlan {
  const plan: AdoptionPlan = { changes: [], wardenConfig: null, moved: [], alreadyWarden: [], leftAlone: [], unparseable: [], secrets: [], looked: [] };
  const warden = readWardenConfig(inputs.wardenConfigPath, plan.unparseable);
  const added = new Map<string, WardenServerEntry>();

  const seen = new Set<string>();
  for (const file of inputs.files) {
    const r = readConfigFile(file.path);
    // One file reached twice (--project pointing at the home directory, a symlink) is adopted once.
    const key = r.kind === 'ok' ? r.file.realPath : file.path;
    if (seen.has(key)) continue;
    seen.add(key);
    plan.looked.push({ client: file.client, path: file.path, exists: r.kind !== 'missing' });
    if (r.kind === 'missing') continue;
    if (r.kind === 'unreadable') {
      plan.unparseable.push({ path: file.path, message: r.message });
      continue;
    }
    const { body, restore } = splitBom(r.file.text);
    const parsed = parseDoc(file, body);
    if (!parsed.ok) {
      plan.unparseable.push({ path: file.path, message: parsed.message });
      continue;
    }
    const moved: MovedServer[] = [];
    const addedBefore = new Set(added.keys());
    const containers = file.containers(parsed.doc);
    for (const container of containers) {
      const map = at(parsed.doc, container.path);
      if (map === undefined) continue;
      if (!isObject(map)) {
        plan.leftAlone.push({ client: file.client, file: file.path, name: container.path.join('.'), reason: 'not an object of servers' });
        continue;
      }
      for (const [name, raw] of Object.entries(map)) {
        const one = planServer(file, container, name, raw, inputs.launcher, warden, added);
        if (one.kind === 'moved') moved.push(one.server);
        else (one.kind === 'warden' ? plan.alreadyWarden : plan.leftAlone).push({ client: file.client, file: file.path, name, reason: one.reason });
      }
    }
    if (!moved.length) continue;
    const edited = editFile(file, body, parsed.doc, moved);
    if (!edited.ok) {
      // The file is readable but this edit cannot be done safely: leave the whole file alone, say why, and take back
      // the names it introduced (not those an earlier file added and it only shared).
      for (const m of moved) {
        plan.leftAlone.push({ client: file.client, file: file.path, name: m.clientName, reason: edited.message });
        if (m.added && !addedBefore.has(m.wardenName)) {
          added.delete(m.wardenName);
          warden?.servers.delete(m.wardenName);
        }
      }
      continue;
    }
    collectSecrets(parsed.doc, plan.secrets);
    plan.changes.push({ client: file.client, format: file.format, path: file.path, realPath: r.file.realPath, before: r.file, after: restore(edited.text), mode: r.file.mode, servers: moved });
    plan.moved.push(...moved);
  }

  if (warden && added.size) {
    const { body, restore } = splitBom(warden.text);
    let text = body.trim() ? body : `{${'\n'}  "${warden.key}": {}${'\n'}}${'\n'}`;
    const fmt = formattingOf(text);
    for (const [name, entry] of added) text = setJsonValue(text, [warden.key, name], entry, fmt);
    plan.wardenConfig = {
      client: 'warden',
      format: 'json',
      path: inputs.wardenConfigPath,
      realPath: warden.read?.realPath ?? inputs.wardenConfigPath,
      before: warden.read,
      after: restore(text),
      // Adopted entries can carry API keys in "env": the file is the user's alone.
      mode: warden.read ? warden.read.mode & 0o700 : 0o600,
      // Each added server once, even when several client entries now share it.
      servers: [...added.keys()].map((name) => plan.moved.find((m) => m.wardenName === name && m.added)!),
    };
  }
  return plan;
}

type ServerOutcome = { kind: 'moved'; server: MovedServer } | { kind: 'warden' | 'left'; reason: string };

function planServer(
  file: ClientFile, container: ServerContainer, name: string, raw: unknown, launcher: WardenLauncher,
  warden: WardenConfigState | null, added: Map<string, WardenServerEntry>,
): ServerOutcome {
  const target = isObject(raw) ? wardenTarget(raw, launcher) : null;
  if (target) {
    if (!target.stale) return { kind: 'warden', reason: target.current ? 'already runs through mcp-warden connect' : `already runs through mcp-warden connect (${target.script ?? 'mcp-warden on PATH'})` };
    // Pointed at Warden through a Node or cli.js that is gone: point it at this one, same server and state dir.
    return {
      kind: 'moved',
      server: {
        client: file.client, file: file.path, container: container.path, clientName: name, wardenName: target.name, added: false,
        rewrite: { command: launcher.node, args: connectArgs({ ...launcher, stateDir: target.stateDir }, target.name), removeKeys: [] },
        repaired: true,
      },
    };
  }
  if (isObject(raw) && (raw.disabled === true || raw.enabled === false)) return { kind: 'left', reason: 'disabled in this client' };
  const t = translateEntry(raw, file.dialect, container);
  if (!t.ok) return { kind: 'left', reason: t.reason };
  if (!warden) return { kind: 'left', reason: "Warden's user config cannot be read" };
  const def = canonicalEntry(t.entry);
  const wardenName = pickName(name, file.client, def, (n) => warden.servers.get(n));
  const isNew = !warden.servers.has(wardenName);
  if (isNew) {
    warden.servers.set(wardenName, def);
    added.set(wardenName, t.entry);
  }
  return {
    kind: 'moved',
    server: {
      client: file.client, file: file.path, container: container.path, clientName: name, wardenName, added: isNew || added.has(wardenName),
      definition: t.entry, rewrite: { command: launcher.node, args: connectArgs(launcher, wardenName), removeKeys: PROCESS_KEYS },
    },
  };
}

function editFile(file: ClientFile, text: string, doc: unknown, moved: MovedServer[]): { ok: true; text: string } | { ok: false; message: string } {
  if (file.format === 'json') {
    const out = rewriteEntries(text, moved.map((m) => ({ path: [...m.container, m.clientName], ...m.rewrite! })), formattingOf(text).eol ?? '\n');
    if (out === null) return { ok: false, message: 'cannot edit safely: an entry is not where it was read' };
    return verifyJson(out, doc, moved);
  }
  try {
    const out = editTomlServers(text, moved.map((m) => ({ name: m.clientName, ...m.rewrite! })));
    return verifyToml(out, doc, moved);
  } catch (err) {
    if (err instanceof TomlEditError || err instanceof TomlScanError) return { ok: false, message: `cannot edit safely: ${err.message}` };
    throw err;
  }
}

/** The document the edit must produce: the original with each moved entry's command, args and process keys replaced. */
function expected(doc: unknown, moved: MovedServer[]): unknown {
  // Through JSON, as the re-read document is compared: TOML dates then compare by their own text form.
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  for (const m of moved) {
    const entry = at(copy, [...m.container, m.clientName]) as Record<string, unknown>;
    for (const key of m.rewrite!.removeKeys) delete entry[key];
    entry.command = m.rewrite!.command;
    entry.args = m.rewrite!.args;
  }
  return copy;
}

function sameData(a: unknown, b: unknown): boolean {
  return canonicalJson(JSON.parse(JSON.stringify(a))) === canonicalJson(JSON.parse(JSON.stringify(b)));
}

function verifyJson(out: string, doc: unknown, moved: MovedServer[]): { ok: true; text: string } | { ok: false; message: string } {
  const r = parseJsonText(out);
  if (!r.ok || !sameData(r.value, expected(doc, moved))) return { ok: false, message: 'cannot edit safely: the edited file does not read back as intended' };
  return { ok: true, text: out };
}

function verifyToml(out: string, doc: unknown, moved: MovedServer[]): { ok: true; text: string } | { ok: false; message: string } {
  let reread: unknown;
  try {
    reread = parseToml(out);
  } catch (err) {
    return { ok: false, message: `cannot edit safely: the edited file is not valid TOML (${(err as Error).message.split('\n')[0]})` };
  }
  if (!sameData(reread, expected(doc, moved))) return { ok: false, message: 'cannot edit safely: the edited file does not read back as intended' };
  return { ok: true, text: out };
}
