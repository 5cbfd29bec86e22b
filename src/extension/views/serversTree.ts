// The Servers tree: config sources → servers → processes (the real parent → child tree) and tools (live or cached).
// Elements are stable objects (VS Code matches refreshes by identity), and a row is refreshed only when what it shows
// changed, so an open tooltip stays open while samples arrive; tooltips are resolved when hovered.
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { BoundedMap } from '../../shared/bounded';
import type { ProcessInfo, ToolInfo } from '../../shared/protocol';
import type { ServerEntry, WardenModel } from '../model';
import { vscodeServerDescription, type VsCodeServer } from '../adopt/vscodeServers';
import { buildProcessTree, type ProcessTreeNode } from '../present/processTree';
import { isLiveState, serverDescription, serverIcon, serverTooltip, stateWord, steadyBytes } from './present';
import { groupBySource, processRow, sourceLabel, toolRow } from './treePresent';
import { escapeMarkdown } from '../present/text';

export type SourceNode = { kind: 'source'; source: string };
export type ServerNode = { kind: 'server'; name: string };
export type GroupNode = { kind: 'processes' | 'tools'; server: string };
export type ProcessNode = { kind: 'process'; server: string; process: ProcessInfo; children: ProcessNode[] };
export type ToolNode = { kind: 'tool'; server: string; tool: ToolInfo; cached: boolean };
/** The servers of `.vscode/mcp.json`: VS Code's own, listed apart (with Adopt), never Warden's. */
export type VsCodeGroupNode = { kind: 'vscodeGroup' };
export type VsCodeServerNode = { kind: 'vscodeServer'; entry: VsCodeServer };
export type ServersNode = SourceNode | ServerNode | GroupNode | ProcessNode | ToolNode | VsCodeGroupNode | VsCodeServerNode;

/** Tools last listed per server, shown (as cached) while it is not running. */
const MAX_CACHED_TOOL_SERVERS = 64;

interface ServerNodes {
  server: ServerNode;
  processes: GroupNode;
  tools: GroupNode;
  /** What the server row, its process rows and its tool rows last showed. */
  rowKey: string;
  processKey: string;
  toolKey: string;
  shownRss: number | undefined;
  shownProcessRss: Map<number, number>;
  processRoots: ProcessNode[];
}

export class ServersTreeProvider implements vscode.TreeDataProvider<ServersNode>, vscode.Disposable {
  private readonly nodes = new Map<string, ServerNodes>();
  private readonly sources = new Map<string, SourceNode>();
  private readonly toolCache = new BoundedMap<string, ToolInfo[]>(MAX_CACHED_TOOL_SERVERS);
  private readonly changeEmitter = new vscode.EventEmitter<ServersNode | ServersNode[] | undefined>();
  private readonly subscriptions: { dispose(): void }[] = [];
  private structureKey = '';
  /** What each source row last showed (its running count). */
  private readonly sourceKeys = new Map<string, string>();
  private readonly vscodeGroup: VsCodeGroupNode = { kind: 'vscodeGroup' };
  private vscodeNodes: VsCodeServerNode[] = [];
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly model: WardenModel) {
    this.subscriptions.push(
      model.onDidChange((change) => this.onModelChange(change.names, change.structural)),
      model.onDidChangeVsCodeServers(() => {
        this.vscodeNodes = model.vscodeServers().map((entry) => ({ kind: 'vscodeServer', entry }));
        this.changeEmitter.fire(undefined);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mcpWarden.groupBySource')) this.refreshAll();
      }),
    );
  }

  private get grouped(): boolean {
    if (!vscode.workspace.getConfiguration('mcpWarden').get<boolean>('groupBySource', true)) return false;
    return groupBySource(this.model.servers()).length > 1;
  }

  private refreshAll(): void {
    this.structureKey = '';
    for (const n of this.nodes.values()) n.rowKey = n.processKey = n.toolKey = '';
    this.changeEmitter.fire(undefined);
  }

  private onModelChange(names: string[], structural: boolean): void {
    for (const e of this.model.servers()) if (e.snapshot?.tools.length) this.toolCache.set(e.name, e.snapshot.tools);
    const structureKey = JSON.stringify([this.grouped, groupBySource(this.model.servers()).map((g) => [g.source, g.names])]);
    if (structural || structureKey !== this.structureKey) {
      for (const name of [...this.nodes.keys()]) if (!this.model.get(name)) this.nodes.delete(name);
      for (const name of [...this.toolCache.keys()]) if (!this.model.get(name)) this.toolCache.delete(name);
      this.structureKey = structureKey;
      for (const n of this.nodes.values()) n.rowKey = n.processKey = n.toolKey = '';
      this.changeEmitter.fire(undefined);
      return;
    }
    const changed: ServersNode[] = [];
    if (this.grouped) {
      for (const g of groupBySource(this.model.servers())) {
        const key = this.sourceKey(g.names);
        if (this.sourceKeys.get(g.source) === key) continue;
        this.sourceKeys.set(g.source, key);
        // Only the row: its servers refresh on their own.
        if (this.sources.has(g.source)) changed.push(this.sourceNode(g.source));
      }
    }
    for (const name of names) {
      const entry = this.model.get(name);
      const n = this.nodes.get(name);
      if (!entry || !n) continue;
      const rowKey = this.serverRowKey(entry, n);
      if (rowKey !== n.rowKey) {
        // The server row and everything under it.
        changed.push(n.server);
        continue;
      }
      const processKey = this.processKeyOf(entry, n);
      if (processKey !== n.processKey) {
        n.processKey = processKey;
        changed.push(n.processes);
      }
      const toolKey = this.toolKeyOf(entry);
      if (toolKey !== n.toolKey) {
        n.toolKey = toolKey;
        changed.push(n.tools);
      }
    }
    if (changed.length) this.changeEmitter.fire(changed);
  }

  private nodesFor(name: string): ServerNodes {
    let n = this.nodes.get(name);
    if (!n) {
      n = {
        server: { kind: 'server', name },
        processes: { kind: 'processes', server: name },
        tools: { kind: 'tools', server: name },
        rowKey: '',
        processKey: '',
        toolKey: '',
        shownRss: undefined,
        shownProcessRss: new Map(),
        processRoots: [],
      };
      this.nodes.set(name, n);
    }
    return n;
  }

  private sourceNode(source: string): SourceNode {
    let n = this.sources.get(source);
    if (!n) this.sources.set(source, (n = { kind: 'source', source }));
    return n;
  }

  /** The stable element for a server, for TreeView.reveal. */
  serverNode(name: string): ServerNode | undefined {
    return this.model.get(name) ? this.nodesFor(name).server : undefined;
  }

  private tools(entry: ServerEntry): { tools: ToolInfo[]; cached: boolean } {
    const live = entry.snapshot?.state === 'running' && entry.snapshot.tools.length > 0;
    if (live) return { tools: entry.snapshot!.tools, cached: false };
    return { tools: entry.snapshot?.tools.length ? entry.snapshot.tools : (this.toolCache.get(entry.name) ?? []), cached: true };
  }

  private serverRowKey(entry: ServerEntry, n: ServerNodes): string {
    const s = entry.snapshot;
    const shownRss = s ? steadyBytes(n.shownRss, s.memoryBytes ?? s.rssBytes) : undefined;
    const icon = serverIcon(entry);
    return JSON.stringify([
      serverDescription(entry, Date.now(), shownRss, this.model.windowId),
      icon.id,
      icon.color,
      serverContextValue(entry, this.tools(entry).tools.length > 0),
      (s?.processes.length ?? 0) > 0 || this.tools(entry).tools.length > 0,
      s?.lastError,
      s?.restarts,
      s?.caps.memoryLimitMB,
      entry.acknowledged,
    ]);
  }

  private processKeyOf(entry: ServerEntry, n: ServerNodes): string {
    const procs = isLiveState(entry.snapshot?.state) ? (entry.snapshot?.processes ?? []) : [];
    return JSON.stringify(procs.map((p) => [p.pid, p.ppid, steadyBytes(n.shownProcessRss.get(p.pid), p.rssBytes)]));
  }

  private toolKeyOf(entry: ServerEntry): string {
    const t = this.tools(entry);
    const usage = entry.snapshot?.usage?.tools ?? [];
    return JSON.stringify([t.cached, t.tools.map((x) => x.name), usage.map((u) => [u.name, u.calls, u.errors])]);
  }

  getChildren(node?: ServersNode): ServersNode[] {
    if (!node) {
      const entries = this.model.servers();
      const vscodeOwn: ServersNode[] = this.vscodeNodes.length ? [this.vscodeGroup] : [];
      if (this.grouped) return [...groupBySource(entries).map((g) => this.sourceNode(g.source)), ...vscodeOwn];
      return [...entries.map((e) => this.nodesFor(e.name).server), ...vscodeOwn];
    }
    if (node.kind === 'vscodeGroup') return this.vscodeNodes;
    if (node.kind === 'vscodeServer') return [];
    if (node.kind === 'source') {
      const group = groupBySource(this.model.servers()).find((g) => g.source === node.source);
      return (group?.names ?? []).map((name) => this.nodesFor(name).server);
    }
    if (node.kind === 'process') return node.children;
    const entry = this.model.get(node.kind === 'server' ? node.name : node.server);
    if (!entry) return [];
    const n = this.nodesFor(entry.name);
    const snap = entry.snapshot;
    switch (node.kind) {
      case 'server': {
        const out: ServersNode[] = [];
        if (snap && isLiveState(snap.state) && snap.processes.length) out.push(n.processes);
        if (this.tools(entry).tools.length) out.push(n.tools);
        return out;
      }
      case 'processes': {
        const procs = snap && isLiveState(snap.state) ? snap.processes : [];
        n.processKey = this.processKeyOf(entry, n);
        const shown = new Map<number, number>();
        for (const p of procs) shown.set(p.pid, steadyBytes(n.shownProcessRss.get(p.pid), p.rssBytes));
        n.shownProcessRss = shown;
        const toNode = (t: ProcessTreeNode): ProcessNode => ({ kind: 'process', server: entry.name, process: t.process, children: t.children.map(toNode) });
        n.processRoots = buildProcessTree(procs).map(toNode);
        return n.processRoots;
      }
      case 'tools': {
        n.toolKey = this.toolKeyOf(entry);
        const t = this.tools(entry);
        return t.tools.map((tool) => ({ kind: 'tool', server: entry.name, tool, cached: t.cached }));
      }
      default:
        return [];
    }
  }

  getParent(node: ServersNode): ServersNode | undefined {
    if (node.kind === 'source' || node.kind === 'vscodeGroup') return undefined;
    if (node.kind === 'vscodeServer') return this.vscodeGroup;
    if (node.kind === 'server') {
      if (!this.grouped) return undefined;
      const source = this.model.get(node.name)?.source ?? 'unknown';
      return this.sourceNode(source);
    }
    const n = this.nodes.get(node.server);
    if (!n) return undefined;
    if (node.kind === 'process') {
      const find = (list: ProcessNode[], parent: ServersNode): ServersNode | undefined => {
        for (const p of list) {
          if (p === node) return parent;
          const inner = find(p.children, p);
          if (inner) return inner;
        }
        return undefined;
      };
      return find(n.processRoots, n.processes) ?? n.processes;
    }
    if (node.kind === 'tool') return n.tools;
    return n.server;
  }

  getTreeItem(node: ServersNode): vscode.TreeItem {
    switch (node.kind) {
      case 'vscodeGroup':
        return this.vscodeGroupItem();
      case 'vscodeServer':
        return this.vscodeServerItem(node.entry);
      case 'source':
        return this.sourceItem(node.source);
      case 'server':
        return this.serverItem(node.name);
      case 'processes':
      case 'tools':
        return this.groupItem(node);
      case 'process': {
        const n = this.nodes.get(node.server);
        const row = processRow(node.process, n?.shownProcessRss.get(node.process.pid));
        const item = new vscode.TreeItem(row.label, node.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.id = `server:${node.server}/process:${node.process.pid}`;
        item.description = row.description;
        item.iconPath = new vscode.ThemeIcon(node.children.length ? 'server-process' : 'terminal');
        item.contextValue = 'mcpWarden.process';
        item.accessibilityInformation = { label: row.accessibleLabel };
        return item;
      }
      case 'tool': {
        const row = toolRow(node.server, node.tool, node.cached, this.model.get(node.server)?.snapshot?.usage?.tools.find((u) => u.name === node.tool.name));
        const item = new vscode.TreeItem(node.tool.name, vscode.TreeItemCollapsibleState.None);
        item.id = `server:${node.server}/tool:${node.tool.name}`;
        item.description = row.description;
        item.iconPath = new vscode.ThemeIcon('symbol-method', node.cached ? new vscode.ThemeColor('disabledForeground') : undefined);
        item.contextValue = node.cached ? 'mcpWarden.tool.cached' : 'mcpWarden.tool';
        item.accessibilityInformation = { label: row.accessibleLabel };
        return item;
      }
    }
  }

  /** Process and tool tooltips are built when hovered (a server's is set with its row). */
  resolveTreeItem(item: vscode.TreeItem, node: ServersNode): vscode.TreeItem {
    let md: string | undefined;
    if (node.kind === 'process') md = processRow(node.process).tooltip;
    // With its usage: the tooltip says how often it was called and its last error.
    else if (node.kind === 'tool') md = toolRow(node.server, node.tool, node.cached, this.model.get(node.server)?.snapshot?.usage?.tools.find((u) => u.name === node.tool.name)).tooltip;
    if (md !== undefined) {
      const m = new vscode.MarkdownString(md);
      m.supportThemeIcons = true;
      item.tooltip = m;
    }
    return item;
  }

  private sourceKey(names: string[]): string {
    return `${names.filter((n) => isLiveState(this.model.get(n)?.snapshot?.state)).length}/${names.length}`;
  }

  private sourceItem(source: string): vscode.TreeItem {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, fsPath: f.uri.fsPath }));
    const { label, description } = sourceLabel(source, folders, homedir());
    const group = groupBySource(this.model.servers()).find((g) => g.source === source);
    const names = group?.names ?? [];
    const running = names.filter((n) => isLiveState(this.model.get(n)?.snapshot?.state)).length;
    this.sourceKeys.set(source, this.sourceKey(names));
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `source:${source}`;
    item.description = `${description ? `${description} · ` : ''}${running}/${names.length} running`;
    item.tooltip = source === 'settings' ? 'Servers defined in the mcpWarden.servers setting' : source;
    item.iconPath = new vscode.ThemeIcon(source === 'settings' ? 'settings-gear' : 'json');
    item.contextValue = source === 'settings' || source === 'unknown' ? 'mcpWarden.source' : 'mcpWarden.source.file';
    if (source !== 'settings' && source !== 'unknown') item.resourceUri = vscode.Uri.file(source);
    item.accessibilityInformation = { label: `Config source ${label}${description ? ` in ${description}` : ''}, ${running} of ${names.length} servers running` };
    return item;
  }

  private vscodeGroupItem(): vscode.TreeItem {
    const list = this.model.vscodeServers();
    const adoptable = list.filter((s) => s.adoptable).length;
    const item = new vscode.TreeItem('VS Code’s own: .vscode/mcp.json', vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'vscode-own';
    item.description = `not run by Warden${adoptable ? ` · ${adoptable} to adopt` : ''}`;
    item.tooltip = new vscode.MarkdownString(
      'Servers in `.vscode/mcp.json` are started by VS Code’s own MCP support, not by Warden: Warden does not measure, cap or clean them up. ' +
        '*Adopt Servers from mcp.json* moves the local ones to `.vscode/mcp-warden.json`, and VS Code’s agent then reaches them through Warden.',
    );
    item.iconPath = new vscode.ThemeIcon('vscode');
    item.contextValue = adoptable ? 'mcpWarden.vscodeOwn.adoptable' : 'mcpWarden.vscodeOwn';
    item.accessibilityInformation = { label: `VS Code's own servers from .vscode/mcp.json, ${list.length}, not run by Warden${adoptable ? `, ${adoptable} can be adopted` : ''}` };
    return item;
  }

  private vscodeServerItem(s: VsCodeServer): vscode.TreeItem {
    // The label is the server name, as for Warden's rows (tests find rows by it).
    const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.None);
    item.id = `vscode:${s.file}:${s.name}`;
    item.description = vscodeServerDescription(s);
    const md = new vscode.MarkdownString(
      `**${escapeMarkdown(s.name)}** — VS Code’s own server (${escapeMarkdown(s.file)})\n\n` +
        (s.adoptable
          ? 'VS Code starts it itself; Warden does not run, measure or cap it. Adopt moves it to `.vscode/mcp-warden.json` (comments kept, a backup made; *Undo Adoption* puts it back).'
          : `It stays VS Code’s: ${escapeMarkdown(s.reason ?? '')}.`),
    );
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon('vscode', new vscode.ThemeColor('disabledForeground'));
    item.contextValue = s.adoptable ? 'mcpWarden.vscodeServer.adoptable' : 'mcpWarden.vscodeServer';
    item.accessibilityInformation = { label: `${s.name}, VS Code's own, ${item.description}` };
    return item;
  }

  private groupItem(node: GroupNode): vscode.TreeItem {
    const entry = this.model.get(node.server);
    const isProcesses = node.kind === 'processes';
    const t = entry ? this.tools(entry) : { tools: [], cached: false };
    const count = isProcesses ? (entry?.snapshot?.processes.length ?? 0) : t.tools.length;
    const item = new vscode.TreeItem(isProcesses ? 'Processes' : 'Tools', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `server:${node.server}/${node.kind}`;
    item.description = isProcesses ? String(count) : `${count}${t.cached ? ' · cached' : ''}`;
    item.iconPath = new vscode.ThemeIcon(isProcesses ? 'server-process' : 'tools');
    item.contextValue = `mcpWarden.${node.kind}`;
    item.accessibilityInformation = {
      label: isProcesses ? `Processes of ${node.server}, ${count}` : `Tools of ${node.server}, ${count}${t.cached ? ', cached: the server is not running' : ''}`,
    };
    return item;
  }

  private serverItem(name: string): vscode.TreeItem {
    const entry = this.model.get(name);
    const n = this.nodesFor(name);
    const snap = entry?.snapshot;
    const hasTools = entry ? this.tools(entry).tools.length > 0 : false;
    const expandable = (!!snap && isLiveState(snap.state) && snap.processes.length > 0) || hasTools;
    // The label is exactly the server name: end-to-end tests find rows by it.
    const item = new vscode.TreeItem(name, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `server:${name}`;
    if (!entry) return item;
    n.rowKey = this.serverRowKey(entry, n);
    if (snap) n.shownRss = steadyBytes(n.shownRss, snap.memoryBytes ?? snap.rssBytes);
    item.description = serverDescription(entry, Date.now(), n.shownRss, this.model.windowId);
    const icon = serverIcon(entry);
    item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    item.contextValue = serverContextValue(entry, hasTools);
    item.accessibilityInformation = { label: `${name}, ${stateWord(entry)}, ${item.description}` };
    // Set with the row (not resolved on hover): a row is redrawn only when what it shows changed, so an open tooltip
    // stays open through samples, and one open across a real change (a stop, a restart) does not keep saying the old state.
    const md = new vscode.MarkdownString(serverTooltip(entry, Date.now(), this.model.windowId));
    md.supportThemeIcons = true;
    item.tooltip = md;
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.changeEmitter.dispose();
    this.nodes.clear();
    this.sources.clear();
    this.toolCache.clear();
  }
}

/** `mcpWarden.server.live.running.hasTools` etc.; menus match on it to offer Start or Stop. */
export function serverContextValue(e: ServerEntry, hasTools = !!e.snapshot?.tools.length): string {
  const state = e.snapshot?.state ?? 'stopped';
  const parts = ['mcpWarden.server', isLiveState(state) ? 'live' : 'idle', state];
  if (hasTools && state === 'running') parts.push('hasTools');
  if (e.snapshot?.state === 'failed' || e.snapshot?.state === 'capped' || e.recentCap) parts.push('trouble');
  return parts.join('.');
}
