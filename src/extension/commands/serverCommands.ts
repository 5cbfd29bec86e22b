// Server commands (palette, tree inline and context menus): start, stop, restart, logs, call tool, config, orphans, add server.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { MB, formatBytes } from '../../shared/format';
import { WardenError } from '../../shared/errors';
import {
  CallToolRequest,
  KillOrphansRequest,
  RestartServerRequest,
  StartAllRequest,
  StartServerRequest,
  StopAllRequest,
  StopServerRequest,
  type ToolInfo,
} from '../../shared/protocol';
import { addServerToConfigText, splitCommandLine, validateServerName, workspaceMcpJson } from '../configSources';
import type { HelperClient } from '../helperClient';
import type { ServerLogs } from '../logs';
import type { WardenModel } from '../model';
import { argumentsTemplate, parseToolArguments, type JsonSchema } from '../schemaValidator';
import type { ServersNode } from '../views/serversTree';

export interface ServerCommandDeps {
  client: HelperClient;
  model: WardenModel;
  logs: ServerLogs;
  showGraph: () => void;
  focusServers: () => Thenable<void>;
}

/** A command argument from a tree element, a notification (a name), or nothing (the palette: ask). */
type ServerArg = ServersNode | string | undefined;

export function showError(err: unknown): void {
  const e = WardenError.from(err);
  void vscode.window.showErrorMessage(`MCP Warden: ${e.message}`);
}

function argName(arg: ServerArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg) return undefined;
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
    const s = model.get(name)?.snapshot?.state;
    return s === 'running' || s === 'starting';
  }

  async function run<T>(title: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await vscode.window.withProgress({ location: { viewId: 'mcpWarden.servers' }, title }, fn);
    } catch (err) {
      showError(err);
      return undefined;
    }
  }

  const start = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Start which server?', (n) => !isLive(n));
    if (name) await run(`Starting ${name}`, () => client.request(StartServerRequest.type, { name }));
  };
  const stop = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Stop which server?', isLive);
    if (!name) return;
    const result = await run(`Stopping ${name}`, () => client.request(StopServerRequest.type, { name }));
    if (result?.survivors.length) {
      void vscode.window.showErrorMessage(
        `MCP Warden: ${result.survivors.length} process(es) of ${name} survived SIGKILL: ${result.survivors.map((p) => `${p.pid} ${p.command}`).join(', ')}`,
      );
    }
  };
  const restart = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Restart which server?');
    if (name) await run(`Restarting ${name}`, () => client.request(RestartServerRequest.type, { name }));
  };
  const showLogs = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Show the logs of which server?');
    if (name) await deps.logs.show(name);
  };

  const callTool = async (arg: ServerArg) => {
    const name = await pickServer(arg, 'Call a tool of which server?', (n) => isLive(n) && !!model.get(n)?.snapshot?.tools.length);
    if (!name) return;
    const tools = model.get(name)?.snapshot?.tools ?? [];
    let tool: ToolInfo | undefined;
    if (arg && typeof arg === 'object' && arg.kind === 'tool') tool = tools.find((t) => t.name === arg.tool.name) ?? arg.tool;
    if (!tool) {
      if (!tools.length) {
        void vscode.window.showInformationMessage(`MCP Warden: ${name} lists no tools (is it running?).`);
        return;
      }
      const picked = await vscode.window.showQuickPick(
        tools.map((t) => ({ label: t.name, detail: t.description?.split('\n')[0], tool: t })),
        { placeHolder: `Call which tool of ${name}?`, matchOnDetail: true },
      );
      tool = picked?.tool;
    }
    if (!tool) return;
    const schema = tool.inputSchema as JsonSchema | undefined;
    const text = await vscode.window.showInputBox({
      title: `${name} › ${tool.name}`,
      prompt: 'Arguments as a JSON object (checked against the tool\'s input schema)',
      value: argumentsTemplate(schema),
      validateInput: (v) => {
        const r = parseToolArguments(v, schema);
        return r.ok ? undefined : r.message;
      },
    });
    if (text === undefined) return;
    const parsed = parseToolArguments(text, schema);
    if (!parsed.ok) return;
    const toolName = tool.name;
    const result = await run(`Calling ${name} › ${toolName}`, () =>
      client.request(CallToolRequest.type, { name, tool: toolName, arguments: parsed.value }),
    );
    if (!result) return;
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(result, null, 2) });
    await vscode.window.showTextDocument(doc, { preview: false });
    if (result.isError) void vscode.window.showWarningMessage(`MCP Warden: ${name} › ${toolName} returned an error result.`);
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
      description: '.vscode/mcp.json',
      path: workspaceMcpJson({ name: f.name, fsPath: f.uri.fsPath }),
    }));
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
    const folders = vscode.workspace.workspaceFolders ?? [];
    let target: string | undefined;
    if (folders.length === 1) target = workspaceMcpJson({ name: folders[0]!.name, fsPath: folders[0]!.uri.fsPath });
    else if (folders.length > 1) {
      const f = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Add the server to which folder’s .vscode/mcp.json?' });
      if (!f) return;
      target = workspaceMcpJson({ name: f.name, fsPath: f.uri.fsPath });
    }
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
    try {
      if (!target) {
        // No folder open: the user's settings are the only place to put it.
        const cfg = vscode.workspace.getConfiguration('mcpWarden');
        const servers = { ...(cfg.inspect<Record<string, unknown>>('servers')?.globalValue ?? {}) };
        servers[name] = entry;
        await cfg.update('servers', servers, vscode.ConfigurationTarget.Global);
        void vscode.window.showInformationMessage(`MCP Warden: added ${name} to your settings (mcpWarden.servers).`);
        return;
      }
      const text = existsSync(target) ? await readFile(target, 'utf8') : null;
      const next = addServerToConfigText(text, name, entry);
      await mkdir(join(target, '..'), { recursive: true });
      await writeFile(target, next);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
      const offset = doc.getText().indexOf(JSON.stringify(name));
      const pos = doc.positionAt(Math.max(0, offset));
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
      const alsoVSCode = !vscode.workspace.getConfiguration('mcpWarden').get<boolean>('startServersAlsoStartedByVSCode');
      if (alsoVSCode) {
        void vscode.window.showInformationMessage(
          `MCP Warden: added ${name}. VS Code's own MCP support also reads this file, so Warden lists it but does not start it by itself; start it from the Servers view.`,
        );
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`MCP Warden: could not add ${name} to ${target ?? 'settings'}: ${(err as Error).message}`);
    }
  };

  const killOrphans = async () => {
    const r = await run('Reaping orphans', () => client.request0(KillOrphansRequest.type));
    if (r) void vscode.window.showInformationMessage(r.reaped ? `MCP Warden: reaped ${r.reaped} orphaned process(es) (${r.pids.join(', ')}).` : 'MCP Warden: no orphaned processes found.');
  };

  const raiseMemoryLimit = async (server?: string, rssBytes?: number, limitBytes?: number) => {
    const cfg = vscode.workspace.getConfiguration('mcpWarden');
    const current = cfg.get<number>('memoryLimitMB') ?? 1024;
    const base = Math.max(current, (limitBytes ?? 0) / MB, ((rssBytes ?? 0) / MB) * 1.25);
    const suggested = Math.ceil((base * 1.5) / 256) * 256;
    const value = await vscode.window.showInputBox({
      title: server ? `Raise the memory limit (${server} used ${formatBytes(rssBytes ?? 0)})` : 'Raise the memory limit',
      prompt: 'mcpWarden.memoryLimitMB: the per-server limit in MB (a server\'s own "warden" entry in its config file still wins)',
      value: String(suggested),
      validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 16 ? undefined : 'A whole number of MB, at least 16'),
    });
    if (!value) return;
    const inspect = cfg.inspect<number>('memoryLimitMB');
    const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await cfg.update('memoryLimitMB', Number(value), target);
  };

  const r = vscode.commands.registerCommand;
  return [
    r('mcpWarden.startServer', start),
    r('mcpWarden.stopServer', stop),
    r('mcpWarden.restartServer', restart),
    r('mcpWarden.showLogs', showLogs),
    r('mcpWarden.callTool', callTool),
    r('mcpWarden.revealConfig', revealConfig),
    r('mcpWarden.openConfig', openConfig),
    r('mcpWarden.addServer', addServer),
    r('mcpWarden.killOrphans', killOrphans),
    r('mcpWarden.raiseMemoryLimit', raiseMemoryLimit),
    r('mcpWarden.startAll', () => run('Starting all servers', () => client.request0(StartAllRequest.type))),
    r('mcpWarden.stopAll', async () => {
      const res = await run('Stopping all servers', () => client.request0(StopAllRequest.type));
      if (res?.survivors.length) void vscode.window.showErrorMessage(`MCP Warden: ${res.survivors.length} process(es) survived SIGKILL: ${res.survivors.map((p) => p.pid).join(', ')}`);
    }),
    r('mcpWarden.restartHelper', () => run('Restarting the helper', () => client.restart())),
    r('mcpWarden.showResourceGraph', () => deps.showGraph()),
    r('mcpWarden.focusServers', () => deps.focusServers()),
  ];
}
