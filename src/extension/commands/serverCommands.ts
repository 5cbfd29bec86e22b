// Server commands (palette, tree inline and context menus): start, stop, restart, logs, call tool, config, orphans, add server.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { WardenError } from '../../shared/errors';
import {
  CallToolRequest,
  KillOrphansRequest,
  KillProcessRequest,
  RestartServerRequest,
  StartAllRequest,
  StartServerRequest,
  StopAllRequest,
  StopServerRequest,
  type ToolInfo,
} from '../../shared/protocol';
import { userServersConfigPath } from '../../helper/platform/userConfig';
import { writeFileAtomic } from '../../cli/adopt/atomicWrite';
import { addServerToConfigText, splitCommandLine, validateServerName, workspaceWardenJson } from '../configSources';
import { addServerTargets, needsTargetPick, type AddServerTarget } from './addServerTarget';
import type { HelperClient } from '../helperClient';
import type { ServerLogs } from '../logs';
import type { WardenModel } from '../model';
import type { CallDocuments } from '../callTool/callDocuments';
import { argumentsTemplate, fieldsPrompt, parseToolArguments, type JsonSchema } from '../callTool/toolArguments';
import { plainText, plural, shortenCommand, formatMs } from '../present/text';
import { isLiveState } from '../views/present';
import type { ServersNode } from '../views/serversTree';
import { raiseMemoryLimit, type RaiseLimitOptions } from './raiseLimit';

export interface ServerCommandDeps {
  client: HelperClient;
  model: WardenModel;
  logs: ServerLogs;
  showGraph: () => void;
  calls: CallDocuments;
}

/** Failures the Notifier already reports as the server's end state ("x failed: …"); a second toast would repeat it. */
const REPORTED_AS_STATE = new Set(['HANDSHAKE_FAILED', 'SPAWN_FAILED']);

/** A command argument from a tree element, a notification (a name), or nothing (the palette: ask). */
type ServerArg = ServersNode | string | undefined;

export function showError(err: unknown): void {
  const e = WardenError.from(err);
  void vscode.window.showErrorMessage(`MCP Warden: ${plainText(e.message)}`);
}

function argName(arg: ServerArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || arg.kind === 'source' || arg.kind === 'vscodeGroup' || arg.kind === 'vscodeServer') return undefined;
  return arg.kind === 'server' ? arg.name : arg.server;
}

export function registerServerCommands(deps: ServerCommandDeps): vscode.Disposable[] {
  const { client, model } = deps;

  async function pickServer(arg: ServerArg, placeHolder: string, filter: (name: string) => boolean = () => true): Promise<string | undefined> {
    const given = argName(arg);
    if (given) return given;
    const entries = model.servers().filter((e) => filter(e.name));
    if (!entries.length) {
      void vscode.window.showInformationMessage('MCP Warden: no matching server. Add one with "MCP Warden: Add Server…".');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({ label: e.name, description: e.snapshot?.state ?? 'not started' })),
      { placeHolder },
    );
    return picked?.label;
  }

  function isLive(name: string): boolean {
    return isLiveState(model.get(name)?.snapshot?.state);
  }

  async function run<T>(title: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await vscode.window.withProgress({ location: { viewId: 'mcpWarden.servers' }, title }, fn);
    } catch (err) {
      const e = WardenError.from(err);
      if (!(REPORTED_AS_STATE.has(e.code) && e.server)) showError(e);
      return undefined;
    }
  }

  const start = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Start which server?', (n) => !isLive(n));
    if (name) await run(`Starting ${name}`, () => client.request(StartServerRequest.type, { name }));
  };
  const stop = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Stop which server?', isLive);
    // Survivors, if any, are reported by the Notifier from the stop's state event.
    if (name) await run(`Stopping ${name}`, () => client.request(StopServerRequest.type, { name }));
  };
  const restart = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Restart which server?', isLive);
    if (name) await run(`Restarting ${name}`, () => client.request(RestartServerRequest.type, { name }));
  };
  const showLogs = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Show the logs of which server?');
    if (name) deps.logs.show(name);
  };

  const callTool = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Call a tool of which server?', (n) => isLive(n) && !!model.get(n)?.snapshot?.tools.length);
    if (!name) return;
    const snap = model.get(name)?.snapshot;
    const tools = snap?.state === 'running' ? snap.tools : [];
    if (!tools.length) {
      void vscode.window.showInformationMessage(`MCP Warden: ${name} is ${snap?.state ?? 'not started'}; start it to call its tools.`, 'Start Server').then(
        (b) => b && vscode.commands.executeCommand('mcpWarden.startServer', name),
      );
      return;
    }
    let tool: ToolInfo | undefined;
    if (arg && typeof arg === 'object' && arg.kind === 'tool') tool = tools.find((t) => t.name === arg.tool.name);
    if (!tool) {
      const picked = await vscode.window.showQuickPick(
        tools.map((t) => ({ label: t.name, detail: t.description?.split('\n')[0], tool: t })),
        { placeHolder: `Call which tool of ${name}?`, matchOnDetail: true },
      );
      tool = picked?.tool;
    }
    if (!tool) return;
    const schema = tool.inputSchema as JsonSchema | undefined;
    const text = await vscode.window.showInputBox({
      title: `${name} › ${tool.name}: arguments as a JSON object`,
      prompt: fieldsPrompt(schema),
      value: argumentsTemplate(schema),
      ignoreFocusOut: true,
      validateInput: (v) => {
        const r = parseToolArguments(v, schema);
        if (!r.ok) return { message: r.message, severity: vscode.InputBoxValidationSeverity.Error };
        return r.warning ? { message: r.warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
      },
    });
    if (text === undefined) return;
    const parsed = parseToolArguments(text, schema);
    if (!parsed.ok) return;
    const toolName = tool.name;
    const at = Date.now();
    let record;
    try {
      const result = await vscode.window.withProgress({ location: { viewId: 'mcpWarden.servers' }, title: `Calling ${name} › ${toolName}` }, () =>
        client.request(CallToolRequest.type, { name, tool: toolName, arguments: parsed.value }),
      );
      record = deps.calls.add({ server: name, tool: toolName, arguments: parsed.value, at, durationMs: Date.now() - at, result });
    } catch (err) {
      record = deps.calls.add({ server: name, tool: toolName, arguments: parsed.value, at, durationMs: Date.now() - at, error: WardenError.from(err).message });
    }
    await deps.calls.open(record);
    if (record.error) void vscode.window.showErrorMessage(`MCP Warden: ${name} › ${toolName} failed: ${plainText(record.error)}`);
    else if (record.result?.isError) void vscode.window.showWarningMessage(`MCP Warden: ${name} › ${toolName} returned an error result.`);
  };

  const showCallHistory = async (arg: ServerArg) => {
    const records = deps.calls.recent(argName(arg));
    if (!records.length) {
      void vscode.window.showInformationMessage('MCP Warden: no tool calls yet. Call one from a tool row of the Servers view.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      records.map((r) => ({
        label: `${r.server} › ${r.tool}`,
        description: `${new Date(r.at).toLocaleTimeString()} · ${r.error ? 'failed' : formatMs(r.durationMs)}`,
        detail: JSON.stringify(r.arguments).slice(0, 120),
        record: r,
      })),
      { placeHolder: 'Open which recent tool call?', matchOnDetail: true },
    );
    if (picked) await deps.calls.open(picked.record);
  };

  const revealConfig = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Reveal the config of which server?');
    if (!name) return;
    const source = model.get(name)?.source;
    if (!source || source === 'settings') {
      await vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting: { key: 'mcpWarden.servers' } });
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(source));
    const offset = doc.getText().indexOf(JSON.stringify(name));
    const pos = offset >= 0 ? doc.positionAt(offset) : new vscode.Position(0, 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos.translate(0, offset >= 0 ? JSON.stringify(name).length : 0)) });
  };

  const openConfig = async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const items: (vscode.QuickPickItem & { path?: string })[] = folders.map((f) => ({
      label: `$(folder) ${f.name}`,
      description: '.vscode/mcp-warden.json',
      path: workspaceWardenJson({ name: f.name, fsPath: f.uri.fsPath }),
    }));
    items.push({ label: '$(account) Warden user config', description: userServersConfigPath(), path: userServersConfigPath() });
    for (const p of vscode.workspace.getConfiguration('mcpWarden').get<string[]>('configFiles') ?? []) {
      items.push({ label: `$(file) ${p}`, description: 'mcpWarden.configFiles', path: p });
    }
    items.push({ label: '$(settings-gear) Settings', description: 'mcpWarden.servers' });
    const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder: 'Open which MCP config?' });
    if (!picked) return;
    if (!picked.path) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'mcpWarden.servers');
      return;
    }
    if (!existsSync(picked.path)) {
      await mkdir(dirname(picked.path), { recursive: true });
      await writeFile(picked.path, '{\n  "servers": {}\n}\n', { flag: 'wx' }).catch(() => undefined);
    }
    await vscode.window.showTextDocument(vscode.Uri.file(picked.path));
  };

  const addServer = async () => {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath }));
    // Warden's own file, never .vscode/mcp.json: VS Code would start a server there itself, beside Warden's.
    const targets = addServerTargets(folders, userServersConfigPath());
    let target: AddServerTarget | undefined = targets[0];
    if (needsTargetPick(targets)) {
      const picked = await vscode.window.showQuickPick(
        targets.map((t) => ({ label: t.label, description: t.description, target: t })),
        { placeHolder: 'Add the server to which of Warden’s config files?' },
      );
      target = picked?.target;
    }
    if (!target) return;
    const existing = new Set(model.servers().map((e) => e.name));
    const name = await vscode.window.showInputBox({
      title: 'Add MCP Server (1/2)',
      prompt: 'Server name',
      placeHolder: 'e.g. everything',
      validateInput: (v) => validateServerName(v) ?? (existing.has(v) ? `A server named "${v}" is already configured` : undefined),
    });
    if (!name) return;
    const line = await vscode.window.showInputBox({
      title: 'Add MCP Server (2/2)',
      prompt: 'Command line of the stdio server (no shell: quotes group words, nothing else is expanded)',
      placeHolder: 'e.g. npx -y @modelcontextprotocol/server-everything',
      validateInput: (v) => {
        try {
          return splitCommandLine(v).length ? undefined : 'Type the command that starts the server';
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (!line) return;
    const [command, ...args] = splitCommandLine(line);
    const entry = { type: 'stdio' as const, command: command!, args };
    const path = target.path;
    try {
      const text = existsSync(path) ? await readFile(path, 'utf8') : null;
      const next = addServerToConfigText(text, name, entry);
      if (target.userLevel) {
        // Env values (API keys) end up here: user-only, like `mcp-warden adopt` writes it.
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        writeFileAtomic(path, next, 0o600);
      } else {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, next);
      }
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
      const offset = doc.getText().indexOf(JSON.stringify(name));
      const pos = doc.positionAt(Math.max(0, offset));
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
      void vscode.window.showInformationMessage(`MCP Warden: added ${name} to ${target.userLevel ? 'your Warden user config' : '.vscode/mcp-warden.json'}; Warden starts it and offers it to VS Code's agent.`);
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: could not add ${name} to ${path}: ${(err as Error).message}`);
    }
  };

  const killOrphans = async () => {
    const ok = await vscode.window.showWarningMessage(
      'Kill orphaned MCP server processes?',
      { modal: true, detail: 'Kills the processes recorded by MCP Warden helpers that are no longer running (a helper killed with -9, a crashed window). A live helper\'s servers and reused pids are never touched.' },
      'Kill Orphans',
    );
    if (ok !== 'Kill Orphans') return;
    const r = await run('Reaping orphans', () => client.request0(KillOrphansRequest.type));
    if (!r) return;
    void vscode.window.showInformationMessage(
      r.reaped ? `MCP Warden: killed ${plural(r.reaped, 'orphaned process', 'orphaned processes')} (pids ${r.pids.join(', ')}).` : 'MCP Warden: no orphaned processes found; nothing was killed.',
    );
  };

  const stopAll = async () => {
    const live = model.servers().filter((e) => isLiveState(e.snapshot?.state)).map((e) => e.name);
    if (!live.length) {
      void vscode.window.showInformationMessage('MCP Warden: no server is running.');
      return;
    }
    const ok = await vscode.window.showWarningMessage(
      `Stop ${live.length === 1 ? live[0] : `all ${live.length} running MCP servers`}?`,
      { modal: true, detail: `${live.join(', ')}: each is sent EOF, then SIGTERM, then SIGKILL after its grace period, with every process it started. Tools they provide stop working until they are started again.` },
      'Stop All',
    );
    if (ok !== 'Stop All') return;
    const began = Date.now();
    const res = await run('Stopping all servers', () => client.request0(StopAllRequest.type));
    if (!res) return;
    const took = formatMs(Date.now() - began);
    if (res.survivors.length) {
      // Each server's survivors get their own notification (with Copy PIDs) from its stop's state event.
      void vscode.window.showWarningMessage(
        `MCP Warden: stopped ${plural(res.stopped.length, 'server', 'servers')} in ${took}, but ${plural(res.survivors.length, 'process', 'processes')} survived SIGKILL (pids ${res.survivors.map((p) => p.pid).join(', ')}).`,
      );
    } else {
      void vscode.window.showInformationMessage(`MCP Warden: stopped ${plural(res.stopped.length, 'server', 'servers')} in ${took}; no process survived.`);
    }
  };

  const raise = async (arg: ServerArg, opts?: RaiseLimitOptions) => {
    const name = await pickServer(arg, 'Raise the memory limit of which server?');
    if (name) await raiseMemoryLimit(client, model, name, opts ?? { restart: !isLive(name) });
  };

  const acknowledge = (arg: ServerArg) => {
    const name = argName(arg);
    model.acknowledge(name ? [name] : undefined);
  };

  const killProcess = async (node: ServersNode | undefined) => {
    if (!node || node.kind !== 'process') return;
    const p = node.process;
    const isRoot = model.get(node.server)?.snapshot?.pid === p.pid;
    const ok = await vscode.window.showWarningMessage(
      `Kill process ${p.pid} (${shortenCommand(p.command, 60)}) of ${node.server}?`,
      { modal: true, detail: `SIGTERM, then SIGKILL after the server's grace period.${isRoot ? ' It is the server itself: this counts as a crash, and the restart policy applies.' : ''}` },
      'Kill Process',
    );
    if (ok !== 'Kill Process') return;
    const r = await run(`Killing ${p.pid}`, () => client.request(KillProcessRequest.type, { name: node.server, pid: p.pid }));
    if (!r) return;
    void vscode.window.showInformationMessage(
      r.killed ? `MCP Warden: process ${p.pid} of ${node.server} is gone (${r.signal}).` : `MCP Warden: process ${p.pid} had already exited.`,
    );
  };

  const copy = (text: string | undefined, what: string) => {
    if (text === undefined) return;
    void vscode.env.clipboard.writeText(text).then(() => vscode.window.setStatusBarMessage(`$(clippy) Copied ${what}`, 2500));
  };

  const r = vscode.commands.registerCommand;
  return [
    r('mcpWarden.startServer', start),
    r('mcpWarden.stopServer', stop),
    r('mcpWarden.restartServer', restart),
    r('mcpWarden.showLogs', showLogs),
    r('mcpWarden.callTool', callTool),
    r('mcpWarden.showCallHistory', showCallHistory),
    r('mcpWarden.revealConfig', revealConfig),
    r('mcpWarden.openConfig', openConfig),
    r('mcpWarden.addServer', addServer),
    r('mcpWarden.killOrphans', killOrphans),
    r('mcpWarden.raiseMemoryLimit', raise),
    r('mcpWarden.acknowledgeProblems', acknowledge),
    r('mcpWarden.killProcess', killProcess),
    r('mcpWarden.copyPid', (n: ServersNode | undefined) => copy(n?.kind === 'process' ? String(n.process.pid) : undefined, 'the PID')),
    r('mcpWarden.copyCommand', (n: ServersNode | undefined) => {
      if (n?.kind === 'process') copy(n.process.command, 'the command');
      else if (n?.kind === 'server') {
        const s = model.get(n.name)?.snapshot;
        if (s) copy([s.command, ...s.args].join(' '), 'the command');
      }
    }),
    r('mcpWarden.copyToolName', (n: ServersNode | undefined) => copy(n?.kind === 'tool' ? n.tool.name : undefined, 'the tool name')),
    r('mcpWarden.groupBySource', () => vscode.workspace.getConfiguration('mcpWarden').update('groupBySource', true, vscode.ConfigurationTarget.Global)),
    r('mcpWarden.ungroup', () => vscode.workspace.getConfiguration('mcpWarden').update('groupBySource', false, vscode.ConfigurationTarget.Global)),
    r('mcpWarden.startAll', () => run('Starting all servers', () => client.request0(StartAllRequest.type))),
    r('mcpWarden.stopAll', stopAll),
    r('mcpWarden.restartHelper', () => run('Restarting the helper', () => client.restart())),
    r('mcpWarden.showResourceGraph', () => deps.showGraph()),
  ];
}
