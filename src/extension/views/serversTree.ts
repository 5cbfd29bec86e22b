// The Servers tree: one stable element per server (id = name), refreshed element by element so live samples never collapse it.
import * as vscode from 'vscode';
import { formatBytes } from '../../shared/format';
import type { ProcessInfo, ToolInfo } from '../../shared/protocol';
import type { ServerEntry, WardenModel } from '../model';
import { serverDescription, serverIcon, serverTooltip } from './present';

export type ServerNode = { kind: 'server'; name: string };
export type GroupNode = { kind: 'processes' | 'tools'; server: string };
export type ProcessNode = { kind: 'process'; server: string; process: ProcessInfo };
export type ToolNode = { kind: 'tool'; server: string; tool: ToolInfo };
export type ServersNode = ServerNode | GroupNode | ProcessNode | ToolNode;

export class ServersTreeProvider implements vscode.TreeDataProvider<ServersNode>, vscode.Disposable {
  // Element objects are kept per server so VS Code can match them across refreshes; bounded by the model's server list.
  private readonly nodes = new Map<string, { server: ServerNode; processes: GroupNode; tools: GroupNode }>();
  private readonly changeEmitter = new vscode.EventEmitter<ServersNode | ServersNode[] | undefined>();
  private readonly subscription: { dispose(): void };
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly model: WardenModel) {
    this.subscription = model.onDidChange((change) => {
      if (change.structural) {
        for (const name of [...this.nodes.keys()]) if (!model.get(name)) this.nodes.delete(name);
        this.changeEmitter.fire(undefined);
        return;
      }
      const changed = change.names.map((n) => this.nodes.get(n)?.server).filter((n) => n !== undefined);
      // Refreshing a server element re-reads its expanded children too (processes, tools); ids keep their expansion.
      if (changed.length) this.changeEmitter.fire(changed);
    });
  }

  private nodesFor(name: string) {
    let n = this.nodes.get(name);
    if (!n) {
      n = { server: { kind: 'server', name }, processes: { kind: 'processes', server: name }, tools: { kind: 'tools', server: name } };
      this.nodes.set(name, n);
    }
    return n;
  }

  /** The stable element for a server, for TreeView.reveal. */
  serverNode(name: string): ServerNode | undefined {
    return this.model.get(name) ? this.nodesFor(name).server : undefined;
  }

  getChildren(node?: ServersNode): ServersNode[] {
    if (!node) return this.model.servers().map((e) => this.nodesFor(e.name).server);
    const entry = this.model.get(node.kind === 'server' ? node.name : node.server);
    const snap = entry?.snapshot;
    if (!entry || !snap) return [];
    switch (node.kind) {
      case 'server': {
        const n = this.nodesFor(entry.name);
        const out: ServersNode[] = [];
        if (snap.processes.length) out.push(n.processes);
        if (snap.tools.length) out.push(n.tools);
        return out;
      }
      case 'processes':
        return snap.processes.map((p) => ({ kind: 'process', server: entry.name, process: p }));
      case 'tools':
        return snap.tools.map((t) => ({ kind: 'tool', server: entry.name, tool: t }));
      default:
        return [];
    }
  }

  getParent(node: ServersNode): ServersNode | undefined {
    if (node.kind === 'server') return undefined;
    const n = this.nodes.get(node.server);
    if (!n) return undefined;
    if (node.kind === 'process') return n.processes;
    if (node.kind === 'tool') return n.tools;
    return n.server;
  }

  getTreeItem(node: ServersNode): vscode.TreeItem {
    switch (node.kind) {
      case 'server':
        return this.serverItem(node.name);
      case 'processes':
      case 'tools': {
        const snap = this.model.get(node.server)?.snapshot;
        const count = node.kind === 'processes' ? (snap?.processes.length ?? 0) : (snap?.tools.length ?? 0);
        const item = new vscode.TreeItem(node.kind === 'processes' ? 'Processes' : 'Tools', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `server:${node.server}/${node.kind}`;
        item.description = String(count);
        item.iconPath = new vscode.ThemeIcon(node.kind === 'processes' ? 'server-process' : 'tools');
        item.contextValue = `mcpWarden.${node.kind}`;
        return item;
      }
      case 'process': {
        const p = node.process;
        const item = new vscode.TreeItem(`${p.pid}`, vscode.TreeItemCollapsibleState.None);
        item.id = `server:${node.server}/process:${p.pid}`;
        item.description = `${formatBytes(p.rssBytes)} · ${p.command}`;
        item.tooltip = `PID ${p.pid} (parent ${p.ppid})\nRSS ${formatBytes(p.rssBytes)}\n${p.command}`;
        item.iconPath = new vscode.ThemeIcon('terminal');
        item.contextValue = 'mcpWarden.process';
        return item;
      }
      case 'tool': {
        const item = new vscode.TreeItem(node.tool.name, vscode.TreeItemCollapsibleState.None);
        item.id = `server:${node.server}/tool:${node.tool.name}`;
        item.description = node.tool.description?.split('\n')[0];
        item.tooltip = node.tool.description;
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        item.contextValue = 'mcpWarden.tool';
        return item;
      }
    }
  }

  private serverItem(name: string): vscode.TreeItem {
    const entry = this.model.get(name);
    const snap = entry?.snapshot;
    const expandable = !!snap && (snap.processes.length > 0 || snap.tools.length > 0);
    // The label is exactly the server name: end-to-end tests find rows by it.
    const item = new vscode.TreeItem(name, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `server:${name}`;
    if (!entry) return item;
    const now = Date.now();
    item.description = serverDescription(entry, now);
    const md = new vscode.MarkdownString(serverTooltip(entry, now));
    md.supportThemeIcons = true;
    item.tooltip = md;
    const icon = serverIcon(entry);
    item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.contextValue = serverContextValue(entry);
    item.accessibilityInformation = { label: `${name}, ${snap?.state ?? 'not started'}, ${item.description}` };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
    this.nodes.clear();
  }
}

/** `mcpWarden.server.running` etc.; menus match on it to offer Start or Stop. */
export function serverContextValue(e: ServerEntry): string {
  const state = e.snapshot?.state ?? 'stopped';
  const live = state === 'running' || state === 'starting' || state === 'stopping';
  const parts = ['mcpWarden.server', live ? 'live' : 'idle', state];
  if (e.snapshot?.tools.length) parts.push('hasTools');
  return parts.join('.');
}
