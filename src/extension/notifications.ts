// Tells the user when a server reaches an end state (failed, capped, survivors after a stop) — always — and about
// repeats (restarts, warn-only caps), rate-limited per server and kind; each button runs the next step.
import * as vscode from 'vscode';
import { BoundedMap } from '../shared/bounded';
import type { WardenEvent } from '../shared/protocol';
import type { WardenModel } from './model';
import { planNotification, suppressedTail, type NotificationAction, type PlannedNotification, type ServerMemo } from './present/notificationPlan';
import { plural } from './present/text';
import { RateLimiter } from './rateLimiter';

export class Notifier implements vscode.Disposable {
  private readonly limiter = new RateLimiter({ perKeyIntervalMs: 60_000, globalMax: 5, globalWindowMs: 60_000 });
  private readonly memos = new BoundedMap<string, ServerMemo>(256);
  private readonly subscriptions: { dispose(): void }[] = [];
  private announcedHelperPid: number | null = null;

  constructor(model: WardenModel) {
    this.subscriptions.push(
      model.onEvent((e) => this.onEvent(e)),
      // The helper reaps orphans before the client connects, so its event can be missed: announce from the first snapshot instead.
      model.onSnapshot((s) => {
        if (s.helper.pid === this.announcedHelperPid) return;
        this.announcedHelperPid = s.helper.pid;
        if (s.helper.reapedOrphans > 0 && this.limiter.allow('orphans', Date.now())) {
          void vscode.window.showInformationMessage(
            `MCP Warden reaped ${plural(s.helper.reapedOrphans, 'orphaned process', 'orphaned processes')} left by an earlier helper that did not shut down cleanly.`,
          );
        }
      }),
    );
  }

  private memo(server: string): ServerMemo {
    let m = this.memos.get(server);
    if (!m) this.memos.set(server, (m = {}));
    return m;
  }

  private onEvent(e: WardenEvent): void {
    if (e.server && e.kind === 'cap' && e.rssBytes !== undefined && e.limitBytes !== undefined) {
      this.memo(e.server).lastMemoryCap = { rssBytes: e.rssBytes, limitBytes: e.limitBytes, time: e.time };
    }
    if (e.server && e.kind === 'state' && e.state === 'running') {
      // Running again: a later give-up is explained by what happens from now on.
      const m = this.memos.get(e.server);
      if (m?.lastMemoryCap && e.time - m.lastMemoryCap.time > 30_000) m.lastMemoryCap = undefined;
    }
    const plan = planNotification(e, e.server ? this.memos.get(e.server) : undefined);
    if (!plan) return;
    if (!plan.endState && !this.limiter.allow(plan.key, Date.now())) return;
    this.show(plan, e);
  }

  private show(plan: PlannedNotification, e: WardenEvent): void {
    const tail = suppressedTail(plan.server, this.limiter.takeSuppressed(plan.server ? `${plan.server}:` : 'orphans'));
    const show = plan.severity === 'error' ? vscode.window.showErrorMessage : plan.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(plan.message + tail, ...plan.actions).then((choice) => this.run(choice as NotificationAction | undefined, plan, e));
  }

  private run(choice: NotificationAction | undefined, plan: PlannedNotification, e: WardenEvent): void {
    const server = plan.server;
    if (!choice || !server) return;
    const cap = this.memos.get(server)?.lastMemoryCap;
    switch (choice) {
      case 'Show Logs':
        void vscode.commands.executeCommand('mcpWarden.showLogs', server);
        return;
      case 'Restart':
        void vscode.commands.executeCommand('mcpWarden.restartServer', server);
        return;
      case 'Open Config':
        void vscode.commands.executeCommand('mcpWarden.revealConfig', server);
        return;
      case 'Copy PIDs':
        void vscode.env.clipboard.writeText((plan.pids ?? []).join(' '));
        return;
      case 'Raise Limit':
      case 'Raise and Restart':
        void vscode.commands.executeCommand('mcpWarden.raiseMemoryLimit', server, {
          rssBytes: cap?.rssBytes ?? e.rssBytes,
          limitBytes: cap?.limitBytes ?? e.limitBytes,
          restart: choice === 'Raise and Restart',
        });
        return;
    }
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.memos.clear();
  }
}
