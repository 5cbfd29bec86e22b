// Sends the memory store's settings (mcpWarden.memory.*) to the helper on every start and change, and hands them to
// VS Code's MCP support as environment variables for the memory server it starts.
import * as vscode from 'vscode';
import { WardenError } from '../../shared/errors';
import type { MemorySettings } from '../../shared/memorySettings';
import { MemoryConfigureRequest } from '../../shared/protocol';
import type { HelperClient } from '../helperClient';
import { readMemorySettings } from './readMemorySettings';

/** Keeps the helper's store (and, through onDidChange, the MCP server definition) in step with the settings. */
export class MemorySettingsController implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private lastProblems = '';
  private settings: MemorySettings;

  /** Fires after the settings changed (not on helper restarts): the memory MCP server's definition changed. */
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly client: HelperClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.settings = this.read();
    this.disposables.push(
      this.changeEmitter,
      client.onDidStart(() => void this.send()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('mcpWarden.memory')) return;
        this.settings = this.read();
        this.changeEmitter.fire();
        void this.send();
      }),
    );
  }

  get current(): MemorySettings {
    return this.settings;
  }

  private read(): MemorySettings {
    const cfg = vscode.workspace.getConfiguration('mcpWarden');
    const isSet = (k: string) => {
      const i = cfg.inspect(k);
      return i !== undefined && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
    };
    const { settings, problems } = readMemorySettings((k) => cfg.get(k), isSet);
    for (const p of problems) this.output.warn(p);
    const key = problems.join('\n');
    if (key && key !== this.lastProblems) void vscode.window.showWarningMessage(`MCP Warden memory settings: ${problems[0]}`, 'Open Settings').then((b) => b && vscode.commands.executeCommand('workbench.action.openSettings', '@ext:mcp-warden.mcp-warden memory'));
    this.lastProblems = key;
    return settings;
  }

  private async send(): Promise<void> {
    if (!this.client.isRunning) return;
    try {
      await this.client.request(MemoryConfigureRequest.type, this.settings);
    } catch (err) {
      this.output.error(`memory settings not applied: ${WardenError.from(err).message}`);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
