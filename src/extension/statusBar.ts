// The status-bar item and the Servers view badge: fleet size, total memory, and the worst severity, from the model.
import * as vscode from 'vscode';
import type { WardenModel } from './model';
import { statusSummary } from './views/present';

export class StatusBarController implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(
    private readonly model: WardenModel,
    private readonly view: vscode.TreeView<unknown>,
  ) {
    this.item = vscode.window.createStatusBarItem('mcpWarden.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'MCP Warden';
    this.item.command = 'mcpWarden.focusServers';
    // Snapshots too, not only per-server changes: the helper's reaped-orphan count arrives with them.
    this.subscriptions.push(model.onDidChange(() => this.render()), model.onSnapshot(() => this.render()), model.onHelperStatus(() => this.render()));
    this.render();
    this.item.show();
  }

  render(): void {
    const summary = statusSummary(this.model.servers(), this.model.helperStatus, this.model.helper?.reapedOrphans ?? 0);
    this.item.text = summary.text;
    this.item.tooltip = summary.tooltip;
    this.item.backgroundColor =
      summary.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : summary.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    // The severity in the accessible label lets people (and end-to-end tests) read it without colors.
    this.item.accessibilityInformation = { label: `MCP Warden ${summary.severity}: ${summary.text.replace('$(server-process) ', '')}` };
    this.view.badge = summary.troubleCount
      ? { value: summary.troubleCount, tooltip: `${summary.troubleCount} MCP server${summary.troubleCount === 1 ? '' : 's'} need attention` }
      : undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.item.dispose();
  }
}
