// The Memories tree: recent memories, or the last search's results, each opening its full text.
import * as vscode from 'vscode';
import type { MemoryHit, MemoryRecord } from '../../shared/protocol';
import type { MemoryModel } from './memoryModel';
import { memoryDescription, memoryTitle } from './present';

export type MemoryNode = MemoryRecord | MemoryHit;

export const MEMORY_SCHEME = 'mcp-warden-memory';

export function memoryUri(id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: MEMORY_SCHEME, path: `/${id}.md` });
}

export class MemoryTreeProvider implements vscode.TreeDataProvider<MemoryNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeTreeData = this.changeEmitter.event;

  constructor(private readonly model: MemoryModel) {
    this.subscription = model.onDidChange(() => this.changeEmitter.fire());
  }

  getChildren(node?: MemoryNode): MemoryNode[] {
    return node ? [] : [...this.model.memories];
  }

  getTreeItem(m: MemoryNode): vscode.TreeItem {
    const item = new vscode.TreeItem(memoryTitle(m.content, 60), vscode.TreeItemCollapsibleState.None);
    item.id = `memory:${m.id}`;
    item.description = memoryDescription(m, Date.now());
    const md = new vscode.MarkdownString();
    md.appendText(m.content.slice(0, 2000));
    if (m.tags.length) md.appendMarkdown(`\n\n*tags:* ${m.tags.map((t) => `\`${t.replace(/`/g, "'")}\``).join(', ')}`);
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon('note');
    item.contextValue = 'mcpWarden.memory';
    item.command = { command: 'mcpWarden.openMemory', title: 'Open Memory', arguments: [m] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
