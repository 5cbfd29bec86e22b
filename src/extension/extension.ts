// Extension entry: wires the helper client, the model, the views and the commands together; nothing else lives here.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { WardenLauncher } from '../cli/adopt/types';
import { defaultStateDir } from '../helper/platform/defaultStateDir';
import { HistoryRequest } from '../shared/protocol';
import { AdoptionController } from './adopt/adoptCommands';
import { registerAgentServers } from './agent/provider';
import { CallDocuments } from './callTool/callDocuments';
import { registerServerCommands } from './commands/serverCommands';
import { ConfigController } from './configController';
import { ContextKeys } from './contextKeys';
import { HelperClient } from './helperClient';
import { ServerLogs } from './logs';
import { registerMemoryFeatures } from './memory/register';
import { WardenModel } from './model';
import { Notifier } from './notifications';
import { GraphMarkers, ResourceGraphPanel } from './panels/resourceGraph';
import { describeAttempts, execProbe, findNodeRuntime, MIN_NODE_MAJOR } from './runtime';
import { StatusBarController } from './statusBar';
import { ServersTreeProvider } from './views/serversTree';

let client: HelperClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const subs = context.subscriptions;
  const output = vscode.window.createOutputChannel('MCP Warden', { log: true });
  subs.push(output);
  const model = new WardenModel();
  subs.push(model);
  const tree = new ServersTreeProvider(model);
  subs.push(tree);
  const view = vscode.window.createTreeView('mcpWarden.servers', { treeDataProvider: tree, showCollapseAll: true });
  subs.push(view);
  const helper = new HelperClient(model, output);
  client = helper;
  subs.push(helper);
  const logs = new ServerLogs(helper, model, output);
  subs.push(logs);
  subs.push(new StatusBarController(model, view as vscode.TreeView<unknown>));
  subs.push(new Notifier(model));
  subs.push(new ContextKeys(model));
  subs.push(model.onDidChange(() => updateViewMessage()), model.onHelperStatus(() => updateViewMessage()));
  function updateViewMessage(): void {
    const status = model.helperStatus;
    if (status.kind === 'failed') view.message = status.message;
    else if (model.servers().some((e) => e.blocked)) {
      view.message = 'Servers from this workspace’s .vscode/mcp-warden.json are listed but not started: the workspace is not trusted. Trust it to start them.';
    } else view.message = undefined;
  }

  const calls = new CallDocuments();
  subs.push(calls);
  const markers = new GraphMarkers(model);
  subs.push(markers);
  subs.push(
    ...registerServerCommands({
      calls,
      client: helper,
      model,
      logs,
      showGraph: () => ResourceGraphPanel.show(context.extensionUri, model, markers, () => helper.request(HistoryRequest.type, {})),
    }),
    { dispose: () => ResourceGraphPanel.disposeCurrent() },
  );
  const configController = new ConfigController(helper, model, output);
  subs.push(configController);
  // VS Code's agent uses the servers Warden runs (over the engine's endpoint), not copies of its own.
  const agentServers = registerAgentServers(model);
  if (agentServers) subs.push(agentServers);

  const cfg = vscode.workspace.getConfiguration('mcpWarden');
  // Resolved here as the CLI resolves it, so the window finds the engine `mcp-warden status` talks to.
  const stateDirSetting = cfg.get<string>('stateDir')?.trim();
  const stateDirSet = stateDirSetting ? resolve(stateDirSetting.replace(/^~(?=$|\/)/, homedir())) : undefined;
  const stateDir = stateDirSet ?? defaultStateDir();
  // The command line other clients get after `mcp-warden adopt`: the helper's Node and this extension's cli.js.
  let launcher: WardenLauncher | undefined;
  const adoption = new AdoptionController({
    context,
    model,
    output,
    stateDir: () => stateDir,
    launcher: () => launcher,
    refresh: () => configController.schedule(),
  });
  subs.push(adoption);
  const runtime = await findNodeRuntime({
    settingPath: cfg.get<string>('nodePath'),
    editorExecPath: process.execPath,
    editorNodeVersion: process.versions.node,
    editorIsElectron: typeof process.versions.electron === 'string',
    probe: execProbe,
  });
  registerMemoryFeatures(context, helper, output);
  if (!runtime.ok) {
    const message =
      `MCP Warden needs Node.js ${MIN_NODE_MAJOR} or newer to run its helper, and found none: ${describeAttempts(runtime.attempts)}. ` +
      'Install Node.js 22+ and set "mcpWarden.nodePath" to its executable, then reload the window.';
    model.setHelperStatus({ kind: 'failed', message });
    output.error(message);
    void vscode.window.showErrorMessage(message, 'Open Setting').then((b) => {
      if (b) void vscode.commands.executeCommand('workbench.action.openSettings', 'mcpWarden.nodePath');
    });
    return;
  }
  output.info(`helper runtime: ${runtime.choice.path} (Node ${runtime.choice.nodeVersion}, from ${runtime.choice.source})`);
  launcher = { node: runtime.choice.path, cli: join(context.extensionUri.fsPath, 'dist', 'cli.js'), stateDir: stateDirSet };
  void adoption.maybeOfferOtherClients();
  // Not awaited: activation must stay fast; the views show "starting…" until the engine answers.
  helper
    .start({
      runtime: runtime.choice,
      cliModule: vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath,
      stateDir,
      workspaceName: vscode.workspace.name,
    })
    .catch((err: unknown) => {
      const message = `MCP Warden's engine did not start: ${err instanceof Error ? err.message : String(err)}`;
      model.setHelperStatus({ kind: 'failed', message });
      output.error(message);
      void vscode.window.showErrorMessage(message, 'Show Output').then((b) => b && output.show());
    });
}

/** Window close: the window detaches from the engine, which stops what no other client uses (bounded wait). */
export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  await c?.shutdown('window closed', 5000);
}
