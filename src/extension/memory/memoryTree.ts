// The Memories tree: recent memories, or the last search's results, each opening its full text.
import * as vscode from 'vscode';
import type { MemoryHit, MemoryRecord } from '../../shared/protocol';
import type { MemoryModel } from './memoryModel';
import { memoryDescription, memoryDocumentTitle, memoryTitle } from './present';

export type MemoryNode = MemoryRecord | MemoryHit;

export const MEMORY_SCHEME = 'mcp-warden-memory';

/** The memory's document: titled by its first line (the tab shows the path's last segment), found by the id in the query. */
export function memoryUri(m: { id: string; content: string }): vscode.Uri {
  return vscode.Uri.from({ scheme: MEMORY_SCHEME, path: `/${memoryDocumentTitle(m)}`, query: `id=${encodeURIComponent(m.id)}` });
}

/** The memory id in a memory document's URI (older URIs carried it as the path, "/<id>.md"). */
export function memoryIdOf(uri: vscode.Uri): string {
  return new URLSearchParams(uri.query).get('id') ?? uri.path.replace(/^\//, '').replace(/\.md$/, '');
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
    if (m.tags.length) {
      md.appendMarkdown('\n\n*tags:* ');
      md.appendText(m.tags.join(', '));
    }
    item.tooltip = md;
    item.iconPath = new vscode.ThemeIcon('note');
    item.contextValue = 'mcpWarden.memory';
    item.command = { command: 'mcpWarden.openMemory', title: 'Open Memory', arguments: [m] };
    item.accessibilityInformation = { label: `Memory ${memoryTitle(m.content, 60)}, ${item.description}` };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
