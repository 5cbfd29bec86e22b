// Raise Memory Limit: edits the limit that applies to the server (its own "warden" entry, its file's, or the setting),
// proposes a value from the current one, and can restart the server once the helper has the new limit.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { MB, formatBytes } from '../../shared/format';
import { RestartServerRequest, StartServerRequest } from '../../shared/protocol';
import { plainText } from '../present/text';
import { settingKey } from '../configSources';
import { findLimitOrigin, proposeLimitMB, setJsoncValue, validateLimitMB, type LimitOrigin } from '../config/limitEdit';
import type { HelperClient } from '../helperClient';
import type { WardenModel } from '../model';
import { isLiveState } from '../views/present';

export interface RaiseLimitOptions {
  rssBytes?: number;
  limitBytes?: number;
  /** Restart the server once the new limit reached the helper ("Raise and Restart"). */
  restart?: boolean;
}

/** Where the edit goes, as the input box explains it. */
type Target =
  | { kind: 'file'; uri: vscode.Uri; origin: Exclude<LimitOrigin, { kind: 'setting' }> }
  | { kind: 'settingsServer'; name: string }
  | { kind: 'setting' };

async function findTarget(name: string, source: string | null): Promise<Target> {
  if (source && source !== 'settings') {
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(source));
      const origin = findLimitOrigin(doc.getText(), name);
      if (origin.kind !== 'setting') return { kind: 'file', uri: doc.uri, origin };
    } catch {
      // Unreadable: the setting is what we can change.
    }
    return { kind: 'setting' };
  }
  if (source === 'settings') {
    const servers = vscode.workspace.getConfiguration('mcpWarden').get<Record<string, { warden?: { memoryLimitMB?: unknown } }>>('servers') ?? {};
    if (typeof servers[name]?.warden?.memoryLimitMB === 'number') return { kind: 'settingsServer', name };
  }
  return { kind: 'setting' };
}

function describeTarget(name: string, t: Target): string {
  if (t.kind === 'file') {
    return t.origin.kind === 'server'
      ? `Sets memoryLimitMB in ${name}'s own "warden" entry in ${basename(t.uri.fsPath)} (it overrides the setting).`
      : `Sets the top-level "warden" memoryLimitMB in ${basename(t.uri.fsPath)}, the default for every server in that file.`;
  }
  if (t.kind === 'settingsServer') return `Sets memoryLimitMB in ${name}'s "warden" entry in the mcpWarden.servers setting.`;
  return `Sets the ${settingKey('memoryLimitMB')} setting, the limit for every server without its own.`;
}

async function write(t: Target, valueMB: number): Promise<string> {
  if (t.kind === 'file') {
    const doc = await vscode.workspace.openTextDocument(t.uri);
    const text = doc.getText();
    const next = setJsoncValue(text, t.origin.path, valueMB);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), next);
    if (!(await vscode.workspace.applyEdit(edit)) || !(await doc.save())) throw new Error(`could not save ${t.uri.fsPath}`);
    return basename(t.uri.fsPath);
  }
  const cfg = vscode.workspace.getConfiguration('mcpWarden');
  if (t.kind === 'settingsServer') {
    const inspect = cfg.inspect<Record<string, Record<string, unknown>>>('servers');
    const workspace = inspect?.workspaceValue?.[t.name] !== undefined;
    const servers = structuredClone((workspace ? inspect?.workspaceValue : inspect?.globalValue) ?? {});
    const entry = servers[t.name] ?? {};
    entry.warden = { ...((entry.warden as Record<string, unknown>) ?? {}), memoryLimitMB: valueMB };
    servers[t.name] = entry;
    await cfg.update('servers', servers, workspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    return 'settings (mcpWarden.servers)';
  }
  const key = settingKey('memoryLimitMB');
  const inspect = cfg.inspect<number>(key);
  const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await cfg.update(key, valueMB, target);
  return `settings (mcpWarden.${key})`;
}

/** Resolves true as soon as `has()` holds after a model change, or with `has()` after timeoutMs. */
function waitFor(model: WardenModel, has: () => boolean, timeoutMs: number): Promise<boolean> {
  if (has()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const sub = model.onDidChange(() => {
      if (!has()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(true);
    });
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(has());
    }, timeoutMs);
  });
}

/** Resolves when the helper reports `valueMB` as the server's limit (the config watcher re-sends it), or after timeoutMs. */
function limitApplied(model: WardenModel, name: string, valueMB: number, timeoutMs: number): Promise<boolean> {
  return waitFor(model, () => model.get(name)?.snapshot?.caps.memoryLimitMB === valueMB, timeoutMs);
}

export async function raiseMemoryLimit(client: HelperClient, model: WardenModel, name: string, opts: RaiseLimitOptions = {}): Promise<void> {
  const entry = model.get(name);
  if (!entry) {
    void vscode.window.showWarningMessage(`MCP Warden: no server named ${name} is configured.`);
    return;
  }
  const target = await findTarget(name, entry.source);
  const currentMB =
    target.kind === 'file' ? target.origin.valueMB : (entry.snapshot?.caps.memoryLimitMB ?? (opts.limitBytes ? Math.round(opts.limitBytes / MB) : 1024));
  const usedMB = opts.rssBytes ? opts.rssBytes / MB : 0;
  const used = opts.rssBytes ? `; it used ${formatBytes(opts.rssBytes)}` : '';
  const restart = opts.restart === true;
  const value = await vscode.window.showInputBox({
    title: restart ? `Raise ${name}'s memory limit and restart it` : `Raise ${name}'s memory limit`,
    prompt: `Now ${currentMB} MB${used}. ${describeTarget(name, target)} In MB.`,
    value: String(proposeLimitMB(currentMB, usedMB)),
    validateInput: validateLimitMB,
    ignoreFocusOut: true,
  });
  if (value === undefined) return;
  const valueMB = Number(value.trim());
  let where: string;
  try {
    where = await write(target, valueMB);
  } catch (err) {
    void vscode.window.showErrorMessage(`MCP Warden: could not raise ${name}'s memory limit: ${(err as Error).message}`);
    return;
  }
  const live = isLiveState(model.get(name)?.snapshot?.state);
  if (!restart) {
    const note = live ? ' It applies from the next sample.' : '';
    const choice = await vscode.window.showInformationMessage(`MCP Warden: ${name}'s memory limit is now ${valueMB} MB (${where}).${note}`, ...(live ? [] : ['Restart Now']));
    if (choice !== 'Restart Now') return;
  }
  await vscode.window.withProgress({ location: { viewId: 'mcpWarden.servers' }, title: `Restarting ${name}` }, async () => {
    const applied = await limitApplied(model, name, valueMB, 15_000);
    const state = () => model.get(name)?.snapshot?.state;
    // A cap kill may still be stopping the server (its grace, on a loaded machine a second or more): 'stopping' is no
    // start, so wait for the stop to end before judging whether anyone started it again.
    await waitFor(model, () => state() !== 'stopping', 30_000);
    // The helper may start a capped or failed server by itself once its config changed; a second start (or a restart)
    // now would kill that one mid-handshake.
    const startedByHelper = await waitFor(model, () => state() === 'starting' || state() === 'running', 2000);
    try {
      if (!startedByHelper) await client.request(isLiveState(state()) ? RestartServerRequest.type : StartServerRequest.type, { name });
      const running = await waitFor(model, () => model.get(name)?.snapshot?.state === 'running', 30_000);
      const now = model.get(name)?.snapshot;
      if (running) {
        void vscode.window.showInformationMessage(
          applied ? `MCP Warden: restarted ${name} with a ${valueMB} MB memory limit.` : `MCP Warden: restarted ${name}; the helper had not reported the ${valueMB} MB limit yet.`,
        );
      } else {
        void vscode.window.showErrorMessage(`MCP Warden: ${name} did not come back: it is ${now?.state ?? 'not started'}${now?.stateReason ? ` (${plainText(now.stateReason)})` : ''}.`, 'Show Logs').then(
          (b) => b && vscode.commands.executeCommand('mcpWarden.showLogs', name),
        );
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: ${name} did not restart: ${plainText((err as Error).message)}`);
    }
  });
}
