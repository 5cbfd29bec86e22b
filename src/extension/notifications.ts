// Tells the user when a cap fires, the helper reaped orphans, or a server gave up; rate-limited so a crash loop cannot flood them.
import * as vscode from 'vscode';
import type { WardenEvent } from '../shared/protocol';
import type { WardenModel } from './model';
import { RateLimiter } from './rateLimiter';
import { capMessage } from './views/present';

export class Notifier implements vscode.Disposable {
  private readonly limiter = new RateLimiter({ perKeyIntervalMs: 60_000, globalMax: 5, globalWindowMs: 60_000 });
  private readonly subscription: { dispose(): void };

  private announcedHelperPid: number | null = null;
  private readonly snapshotSubscription: { dispose(): void };

  constructor(model: WardenModel) {
    this.subscription = model.onEvent((e) => this.onEvent(e));
    // The helper reaps orphans before the client connects, so its event can be missed: announce from the first snapshot instead.
    this.snapshotSubscription = model.onSnapshot((s) => {
      if (s.helper.pid === this.announcedHelperPid) return;
      this.announcedHelperPid = s.helper.pid;
      if (s.helper.reapedOrphans > 0 && this.limiter.allow('orphans-reaped:', Date.now())) {
        void vscode.window.showInformationMessage(
          `MCP Warden reaped ${s.helper.reapedOrphans} orphaned process(es) left by an earlier helper that did not shut down cleanly.`,
        );
      }
    });
  }

  private onEvent(e: WardenEvent): void {
    const isCap = e.kind === 'cap';
    const isGiveUp = e.kind === 'error' && e.action === 'give-up';
    const isReap = e.kind === 'orphans-reaped';
    if (!isCap && !isGiveUp && !isReap) return;
    if (!this.limiter.allow(`${e.kind}:${e.server ?? ''}`, Date.now())) return;
    const suppressed = this.limiter.takeSuppressed();
    const tail = suppressed ? ` (${suppressed} similar notification${suppressed === 1 ? '' : 's'} suppressed)` : '';
    if (isReap) {
      void vscode.window.showInformationMessage(`MCP Warden: ${e.message}${tail}`);
      return;
    }
    const buttons = e.server ? ['Show Logs'] : [];
    const memoryCap = isCap && e.limitBytes !== undefined && (e.code === 'CAP_MEMORY' || e.code === 'CAP_MEMORY_GROWTH');
    if (memoryCap) buttons.push('Raise Limit');
    void vscode.window.showWarningMessage(capMessage(e) + tail, ...buttons).then((choice) => {
      if (choice === 'Show Logs') void vscode.commands.executeCommand('mcpWarden.showLogs', e.server);
      else if (choice === 'Raise Limit') void vscode.commands.executeCommand('mcpWarden.raiseMemoryLimit', e.server, e.rssBytes, e.limitBytes);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.snapshotSubscription.dispose();
  }
}
