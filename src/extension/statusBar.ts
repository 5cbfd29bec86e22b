// The status-bar item and the Servers view badge: how many run of how many, total memory, and the worst unacknowledged
// severity, from the model; its tooltip lists what needs attention with command links.
import * as vscode from 'vscode';
import type { WardenModel } from './model';
import { statusSummary } from './views/present';

export class StatusBarController implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: { dispose(): void }[] = [];
  private lastTooltip = '';
  private lastAttention: boolean | undefined;

  constructor(
    private readonly model: WardenModel,
    private readonly view: vscode.TreeView<unknown>,
  ) {
    this.item = vscode.window.createStatusBarItem('mcpWarden.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'MCP Warden';
    this.item.command = 'mcpWarden.servers.focus';
    // Snapshots too, not only per-server changes: the helper's reaped-orphan count arrives with them.
    this.subscriptions.push(model.onDidChange(() => this.render()), model.onSnapshot(() => this.render()), model.onHelperStatus(() => this.render()));
    this.render();
    this.item.show();
  }

  render(): void {
    const summary = statusSummary(this.model.servers(), this.model.helperStatus, this.model.helper?.reapedOrphans ?? 0, this.model.windowId);
    if (this.item.text !== summary.text) this.item.text = summary.text;
    // Only a changed tooltip is set again, so an open hover is not rebuilt at every sample.
    if (summary.tooltip !== this.lastTooltip) {
      this.lastTooltip = summary.tooltip;
      const md = new vscode.MarkdownString(summary.tooltip, true);
      md.isTrusted = { enabledCommands: summary.commands };
      this.item.tooltip = md;
    }
    const background =
      summary.severity === 'error' ? 'statusBarItem.errorBackground' : summary.severity === 'warning' ? 'statusBarItem.warningBackground' : undefined;
    if ((this.item.backgroundColor as vscode.ThemeColor | undefined)?.id !== background) {
      this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    }
    // The severity in the accessible label lets people (and end-to-end tests) read it without colors.
    const label = `MCP Warden ${summary.severity}: ${summary.text.replace('$(server-process) ', '')}`;
    if (this.item.accessibilityInformation?.label !== label) this.item.accessibilityInformation = { label };
    const badge = summary.troubleCount
      ? { value: summary.troubleCount, tooltip: `${summary.troubleCount} MCP server${summary.troubleCount === 1 ? '' : 's'} need attention` }
      : undefined;
    if (this.view.badge?.value !== badge?.value) this.view.badge = badge;
    const attention = summary.troubleCount > 0;
    if (attention !== this.lastAttention) {
      this.lastAttention = attention;
      void vscode.commands.executeCommand('setContext', 'mcpWarden.needsAttention', attention);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.item.dispose();
  }
}
