// Context keys for `when` clauses (menus, the palette): whether any server runs, is stopped, or lists tools.
import * as vscode from 'vscode';
import type { WardenModel } from './model';
import { isLiveState } from './views/present';

export class ContextKeys implements vscode.Disposable {
  private readonly last = new Map<string, boolean>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly model: WardenModel) {
    this.subscription = model.onDidChange(() => this.update());
    this.update();
  }

  private set(key: string, value: boolean): void {
    if (this.last.get(key) === value) return;
    this.last.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  private update(): void {
    const entries = this.model.servers();
    this.set('mcpWarden.anyRunning', entries.some((e) => isLiveState(e.snapshot?.state)));
    this.set('mcpWarden.anyStopped', entries.some((e) => !isLiveState(e.snapshot?.state) && !e.blocked));
    this.set('mcpWarden.anyTools', entries.some((e) => e.snapshot?.state === 'running' && e.snapshot.tools.length > 0));
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
