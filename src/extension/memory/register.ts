// Wires the memory features: the Memories view and its commands. (VS Code's agent reaches the memory MCP server through
// Warden's provider, src/extension/agent/, served in-process by the helper.)
import * as vscode from 'vscode';
import type { HelperClient } from '../helperClient';
import { registerMemoryCommands } from './memoryCommands';
import { MemoryModel } from './memoryModel';
import { MemorySettingsController } from './memorySettings';
import { MemoryTreeProvider } from './memoryTree';

export function registerMemoryFeatures(
  context: vscode.ExtensionContext,
  client: HelperClient,
  output: vscode.LogOutputChannel,
): void {
  const subs = context.subscriptions;
  const settings = new MemorySettingsController(client, output);
  subs.push(settings);
  const model = new MemoryModel(client);
  subs.push(model);
  const tree = new MemoryTreeProvider(model);
  subs.push(tree);
  const view = vscode.window.createTreeView('mcpWarden.memories', { treeDataProvider: tree });
  subs.push(view);
  const describe = () => {
    view.message = model.lastError ?? (model.searchQuery ? `Results for “${model.searchQuery}”` : undefined);
    void vscode.commands.executeCommand('setContext', 'mcpWarden.memorySearchActive', !!model.searchQuery);
  };
  subs.push(model.onDidChange(describe));
  subs.push(...registerMemoryCommands(client, model));
  // Load recent memories whenever the helper (re)starts and when the view becomes visible.
  subs.push(client.onDidStart(() => void model.refresh()));
  subs.push(view.onDidChangeVisibility((e) => e.visible && client.isRunning && void model.refresh()));
}
