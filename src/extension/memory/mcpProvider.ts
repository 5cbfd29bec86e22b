// Registers the memory MCP server with VS Code's own MCP support, when the running editor has that API, so agent mode finds it.
import * as vscode from 'vscode';
import { memorySettingsToEnv } from '../../shared/memorySettings';
import type { RuntimeChoice } from '../runtime';
import type { MemorySettingsController } from './memorySettings';

export const MEMORY_PROVIDER_ID = 'mcpWarden.memory';

export function registerMemoryMcpServer(
  extensionUri: vscode.Uri,
  runtime: RuntimeChoice,
  stateDir: string | undefined,
  settings: MemorySettingsController,
): vscode.Disposable | undefined {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  const Definition = (vscode as { McpStdioServerDefinition?: typeof vscode.McpStdioServerDefinition }).McpStdioServerDefinition;
  // Older editors (and some forks) lack the API: the memory server is still usable by hand via `mcp-warden memory-server`.
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || typeof Definition !== 'function') return undefined;
  const cli = vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath;
  const args = [cli, 'memory-server', ...(stateDir ? ['--state-dir', stateDir] : [])];
  const pkg = (vscode.extensions.getExtension('mcp-warden.mcp-warden')?.packageJSON ?? {}) as { version?: string };
  return lm.registerMcpServerDefinitionProvider(MEMORY_PROVIDER_ID, {
    // A settings change gives the server new variables: VS Code reads the definition again, and starts the server
    // with them from then on.
    onDidChangeMcpServerDefinitions: settings.onDidChange,
    provideMcpServerDefinitions: () => [
      new Definition('MCP Warden Memory', runtime.path, args, { ...runtime.env, ...memorySettingsToEnv(settings.current) }, pkg.version),
    ],
  });
}
