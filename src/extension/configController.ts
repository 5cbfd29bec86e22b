// Keeps the helper's configuration in step with the workspace: config files, settings, trust; re-sends ConfigureRequest on any change.
// Also lists the servers of each folder's `.vscode/mcp.json` (VS Code's own, never sent to the helper) for the view and the adoption offer.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { WardenError } from '../shared/errors';
import { ConfigureRequest, type ConfigureParams } from '../shared/protocol';
import { userServersConfigPath } from '../helper/platform/userConfig';
import { listAllVsCodeServers } from './adopt/vscodeServers';
import { collectConfigFiles, readWardenSettings } from './configSources';
import type { HelperClient } from './helperClient';
import type { WardenModel } from './model';
import { plainText } from './present/text';

const DEBOUNCE_MS = 300;

export class ConfigController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastProblems = '';
  private lastVsCodeProblems = '';
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;

  constructor(
    private readonly client: HelperClient,
    private readonly model: WardenModel,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      client.onDidStart(() => this.configureNow()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mcpWarden.configFiles')) this.rewatch();
        if (e.affectsConfiguration('mcpWarden.nodePath') || e.affectsConfiguration('mcpWarden.stateDir')) {
          void vscode.window
            .showInformationMessage('MCP Warden uses the new helper runtime or state directory after a window reload.', 'Reload Window')
            .then((b) => b && vscode.commands.executeCommand('workbench.action.reloadWindow'));
        }
        if (e.affectsConfiguration('mcpWarden')) this.schedule();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.rewatch();
        this.schedule();
      }),
    );
    this.rewatch();
    // VS Code's own servers are listed before the helper answers (and whether or not it ever does).
    this.schedule();
  }

  /** Watches every config file we read, so an edit (or creating mcp.json) re-configures the helper. */
  private rewatch(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
    const patterns: vscode.RelativePattern[] = [];
    // mcp.json: VS Code's own, listed for adoption; mcp-warden.json: what Warden runs for the folder.
    for (const f of vscode.workspace.workspaceFolders ?? []) patterns.push(new vscode.RelativePattern(f, '.vscode/{mcp,mcp-warden}.json'));
    // Warden's user config is watched even before it exists: Add Server or `mcp-warden adopt` may create it.
    const user = userServersConfigPath();
    const userFiles = [user, ...this.files().filter((r) => r.origin === 'user' && r.path !== user).map((r) => r.path)];
    for (const path of userFiles) patterns.push(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
    for (const p of patterns) {
      const w = vscode.workspace.createFileSystemWatcher(p);
      this.watchers.push(w, w.onDidChange(() => this.schedule()), w.onDidCreate(() => this.schedule()), w.onDidDelete(() => this.schedule()));
    }
  }

  private files() {
    const cfg = vscode.workspace.getConfiguration('mcpWarden');
    return collectConfigFiles({
      folders: (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath })),
      trusted: vscode.workspace.isTrusted,
      configFiles: cfg.get<string[]>('configFiles') ?? [],
      homeDir: homedir(),
      env: process.env,
      exists: existsSync,
      userConfig: userServersConfigPath(),
    });
  }

  private listVsCodeServers(): void {
    const list = listAllVsCodeServers((vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath })));
    this.model.setVsCodeServers(list.servers);
    // Logged when they change, not at every configure.
    const key = list.problems.join('\n');
    if (key !== this.lastVsCodeProblems) for (const p of list.problems) this.output.warn(`VS Code's MCP config: ${p}`);
    this.lastVsCodeProblems = key;
  }

  schedule(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.configureNow(), DEBOUNCE_MS);
  }

  /** Runs one configure at a time; a change during one queues exactly one more. */
  configureNow(): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.configure()
      .catch((err) => this.output.error(`configure failed: ${WardenError.from(err).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.configureNow();
        }
      });
  }

  private async configure(): Promise<void> {
    try {
      this.listVsCodeServers();
    } catch (err) {
      this.output.warn(`could not read .vscode/mcp.json: ${WardenError.from(err).message}`);
    }
    if (!this.client.isRunning) return;
    const cfg = vscode.workspace.getConfiguration('mcpWarden');
    const files = this.files();
    const isSet = (k: string) => {
      const i = cfg.inspect(k);
      return i !== undefined && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
    };
    const { settings, problems: settingProblems } = readWardenSettings((k) => cfg.get(k), isSet);
    const params: ConfigureParams = {
      files,
      settings,
      settingsServers: cfg.get<Record<string, unknown>>('servers') ?? {},
      autoStart: cfg.get<boolean>('autoStart') ?? true,
    };
    const report = await this.client.request(ConfigureRequest.type, params);
    this.model.setConfigReport(report);
    await vscode.commands.executeCommand('setContext', 'mcpWarden.noServers', report.servers.length === 0);
    const problems = [...settingProblems, ...report.problems.map((p) => `${p.server ? `${p.server} (${p.source})` : p.source}: ${p.message}`)];
    for (const p of problems) this.output.warn(p);
    const key = problems.join('\n');
    // Only a new set of problems is worth a notification; the same ones again on every save are noise.
    if (key && key !== this.lastProblems) {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      void vscode.window.showWarningMessage(`MCP Warden config: ${plainText(problems[0]!)}${more}`, 'Show Output').then((b) => b && this.output.show());
    }
    this.lastProblems = key;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
