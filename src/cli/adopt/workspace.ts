// Adoption of a workspace's `.vscode/mcp.json` (issue 13's library part; the extension owns the notification and the
// commands): its stdio servers move, exactly as written — comments inside an entry included — into the workspace's
// Warden file `.vscode/mcp-warden.json` (same format), and leave mcp.json; a top-level "warden" object (caps, which
// VS Code flags in mcp.json) moves with them. Backups and the log are adopt's own (apply.ts); workspaceUndo.ts undoes.
import { join } from 'node:path';
import { formattingOf, jsonValueText, parseJsonText, setJsonValue, setJsonValueText } from './jsonEdit';
import { collectSecrets, type AdoptionPlan, type FileChange, type MovedServer } from './planner';
import { readConfigFile } from './readFile';
import { canonicalEntry, translateEntry } from './translate';
import type { WardenLauncher, WardenServerEntry } from './types';
import { reachesWarden } from './wardenEntry';
import { applyAdoption, type AdoptionResult } from './apply';

export function workspaceFiles(folder: string): { mcpJson: string; wardenJson: string } {
  return { mcpJson: join(folder, '.vscode', 'mcp.json'), wardenJson: join(folder, '.vscode', 'mcp-warden.json') };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BOM = '\uFEFF';

function bomless(text: string): { body: string; bom: string } {
  return text.startsWith(BOM) ? { body: text.slice(1), bom: BOM } : { body: text, bom: '' };
}

/** The path of the top-level caps object, recorded like a server (container [], name "warden") so undo treats it alike. */
const CAPS: { container: string[]; name: string } = { container: [], name: 'warden' };

/**
 * What adopting this workspace would do; nothing is written. `moved` lists the servers (and the caps object, as
 * "warden" with an empty container) leaving mcp.json; `leftAlone` says why the others stay.
 */
export function planWorkspaceAdoption(folder: string, launcher: WardenLauncher = { node: '', cli: '' }): AdoptionPlan {
  const { mcpJson, wardenJson } = workspaceFiles(folder);
  const plan: AdoptionPlan = { changes: [], wardenConfig: null, moved: [], alreadyWarden: [], leftAlone: [], unparseable: [], secrets: [], looked: [] };
  const src = readConfigFile(mcpJson);
  plan.looked.push({ client: 'vscode', path: mcpJson, exists: src.kind !== 'missing' });
  if (src.kind === 'missing') return plan;
  if (src.kind === 'unreadable') {
    plan.unparseable.push({ path: mcpJson, message: src.message });
    return plan;
  }
  const { body: srcText, bom: srcBom } = bomless(src.file.text);
  const parsed = parseJsonText(srcText);
  if (!parsed.ok || (parsed.value !== undefined && !isObject(parsed.value))) {
    plan.unparseable.push({ path: mcpJson, message: parsed.ok ? 'the top level is not an object' : `not valid JSON: ${parsed.message}` });
    return plan;
  }
  const doc = (parsed.value ?? {}) as Record<string, unknown>;
  const dst = readConfigFile(wardenJson);
  if (dst.kind === 'unreadable') {
    plan.unparseable.push({ path: wardenJson, message: dst.message });
    return plan;
  }
  const fmt = formattingOf(srcText);
  const { body: dstStart, bom: dstBom } = dst.kind === 'ok' ? bomless(dst.file.text) : { body: '', bom: '' };
  const dstParsed = parseJsonText(dstStart);
  if (!dstParsed.ok || (dstParsed.value !== undefined && !isObject(dstParsed.value))) {
    plan.unparseable.push({ path: wardenJson, message: dstParsed.ok ? 'the top level is not an object' : `not valid JSON: ${dstParsed.message}` });
    return plan;
  }
  const dstDoc = (dstParsed.value ?? {}) as Record<string, unknown>;
  const dstServers = isObject(dstDoc.servers) ? dstDoc.servers : {};
  if (dstDoc.servers !== undefined && !isObject(dstDoc.servers)) {
    plan.unparseable.push({ path: wardenJson, message: '"servers" is not an object' });
    return plan;
  }
  const servers = doc.servers;
  if (servers !== undefined && !isObject(servers)) {
    plan.leftAlone.push({ client: 'vscode', file: mcpJson, name: 'servers', reason: 'not an object of servers' });
    return plan;
  }
  const moved: MovedServer[] = [];
  for (const [name, raw] of Object.entries(servers ?? {})) {
    // An entry `mcp-warden adopt` already pointed at Warden must not become a server that runs a bridge to itself.
    if (isObject(raw) && reachesWarden(raw, launcher)) {
      plan.alreadyWarden.push({ client: 'vscode', file: mcpJson, name, reason: 'already runs through mcp-warden connect' });
      continue;
    }
    const t = translateEntry(raw, 'vscode', { path: ['servers'], baseDir: folder, workspaceFolder: folder });
    if (!t.ok) {
      plan.leftAlone.push({ client: 'vscode', file: mcpJson, name, reason: t.reason });
      continue;
    }
    const there = dstServers[name];
    if (there !== undefined && canonicalEntry(there) !== canonicalEntry(raw)) {
      plan.leftAlone.push({ client: 'vscode', file: mcpJson, name, reason: `${wardenJson} already has a different "${name}"` });
      continue;
    }
    moved.push({ client: 'vscode', file: mcpJson, container: ['servers'], clientName: name, wardenName: name, added: there === undefined, definition: raw as WardenServerEntry });
  }
  if (!moved.length) return plan;
  // The file's caps go with its servers, unless the Warden file has caps of its own already.
  if (isObject(doc.warden) && dstDoc.warden === undefined) {
    moved.push({ client: 'vscode', file: mcpJson, container: CAPS.container, clientName: CAPS.name, wardenName: CAPS.name, added: true, definition: doc.warden as unknown as WardenServerEntry });
  }

  let out = srcText;
  // A new Warden file takes mcp.json's indentation and line endings.
  const indent = fmt.insertSpaces ? ' '.repeat(fmt.tabSize ?? 2) : '\t';
  let dstText = dstStart.trim() ? dstStart : `{${fmt.eol}${indent}"servers": {}${fmt.eol}}${fmt.eol}`;
  const dstFmt = formattingOf(dstText);
  for (const m of moved) {
    const path = [...m.container, m.clientName];
    if (m.added) dstText = setJsonValueText(dstText, path, jsonValueText(srcText, path)!, dstFmt);
    out = setJsonValue(out, path, undefined, fmt);
  }
  // Read both back: mcp.json without the moved entries, the Warden file with each exactly as it was.
  const outParsed = parseJsonText(out);
  const dstBack = parseJsonText(dstText);
  const ok = outParsed.ok && dstBack.ok && moved.every((m) => {
    const path = [...m.container, m.clientName];
    const get = (d: unknown) => path.reduce<unknown>((cur, k) => (isObject(cur) ? cur[k] : undefined), d);
    return get(outParsed.ok ? outParsed.value : undefined) === undefined && canonicalEntry(get(dstBack.ok ? dstBack.value : undefined)) === canonicalEntry(get(doc));
  });
  if (!ok) {
    for (const m of moved) plan.leftAlone.push({ client: 'vscode', file: mcpJson, name: m.clientName, reason: 'cannot edit safely: the edited files do not read back as intended' });
    return plan;
  }
  plan.moved = moved;
  collectSecrets(doc, plan.secrets);
  const change: FileChange = {
    client: 'vscode-workspace', format: 'json', path: mcpJson, realPath: src.file.realPath, before: src.file,
    after: srcBom + out, mode: src.file.mode, servers: moved,
  };
  plan.changes.push(change);
  plan.wardenConfig = {
    client: 'vscode-workspace-warden', format: 'json', path: wardenJson, realPath: dst.kind === 'ok' ? dst.file.realPath : wardenJson,
    before: dst.kind === 'ok' ? dst.file : null, after: dstBom + dstText,
    // A workspace file: the same mode as mcp.json beside it (it holds what mcp.json held).
    mode: dst.kind === 'ok' ? dst.file.mode : src.file.mode, servers: moved.filter((m) => m.added),
  };
  return plan;
}

/** The servers a workspace adoption would move (for offering it): none when mcp.json has no stdio server Warden can run. */
export function adoptableWorkspaceServers(folder: string, launcher?: WardenLauncher): string[] {
  return planWorkspaceAdoption(folder, launcher).moved.filter((m) => m.container.length).map((m) => m.clientName);
}

/** Adopts the workspace: backups and a log record in `<stateDir>/adopt/`, the Warden file written first, then mcp.json. */
export function adoptWorkspace(folder: string, stateDir: string, launcher?: WardenLauncher): { plan: AdoptionPlan; result: AdoptionResult } {
  const plan = planWorkspaceAdoption(folder, launcher);
  return { plan, result: applyAdoption(plan, stateDir) };
}
