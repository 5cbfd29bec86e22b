// Memory commands: remember the selection, search as you type, open, forget, import and export; all through the helper client.
import * as vscode from 'vscode';
import { formatBytes } from '../../shared/format';
import { WardenError } from '../../shared/errors';
import {
  MemoryDeleteRequest,
  MemoryExportRequest,
  MemoryGetRequest,
  MemoryImportRequest,
  MemoryRecentRequest,
  MemorySaveRequest,
  MemorySearchRequest,
  type MemoryHit,
  type MemoryRecord,
} from '../../shared/protocol';
import type { HelperClient } from '../helperClient';
import type { MemoryModel } from './memoryModel';
import { MEMORY_SCHEME, memoryUri, type MemoryNode } from './memoryTree';
import { memoryDescription, memoryMarkdown, memoryTitle, parseTags } from './present';

/** Typing pauses shorter than this do not send a search. */
export const SEARCH_DEBOUNCE_MS = 200;
const SEARCH_LIMIT = 30;

function fail(err: unknown): void {
  void vscode.window.showErrorMessage(`MCP Warden: ${WardenError.from(err).message}`);
}

type MemoryItem = vscode.QuickPickItem & { memory?: MemoryRecord | MemoryHit };

function toItem(m: MemoryRecord | MemoryHit): MemoryItem {
  // alwaysShow: the helper already ranked these; the quick pick's own label filter would hide good matches.
  return { label: memoryTitle(m.content), description: memoryDescription(m, Date.now()), detail: m.tags.length ? `tags: ${m.tags.join(', ')}` : undefined, alwaysShow: true, memory: m };
}

export function registerMemoryCommands(client: HelperClient, model: MemoryModel): vscode.Disposable[] {
  const open = async (m: MemoryNode | string | undefined) => {
    const id = typeof m === 'string' ? m : m?.id;
    if (!id) return;
    try {
      const doc = await vscode.workspace.openTextDocument(memoryUri(id));
      await vscode.window.showTextDocument(doc, { preview: true });
    } catch (err) {
      fail(err);
    }
  };

  const remember = async () => {
    const editor = vscode.window.activeTextEditor;
    const text = editor ? editor.document.getText(editor.selection) : '';
    if (!editor || !text.trim()) {
      void vscode.window.showInformationMessage('MCP Warden: select the text to remember first.');
      return;
    }
    const category = await vscode.window.showInputBox({ title: 'Remember Selection (1/2)', prompt: 'Category (optional)', placeHolder: 'e.g. decision, fact, note' });
    if (category === undefined) return;
    const tags = await vscode.window.showInputBox({ title: 'Remember Selection (2/2)', prompt: 'Tags, comma-separated (optional)' });
    if (tags === undefined) return;
    try {
      const r = await client.request(MemorySaveRequest.type, {
        content: text,
        category: category.trim() || undefined,
        tags: parseTags(tags),
        source: 'vscode',
        workspace: vscode.workspace.name ?? '',
      });
      const evicted = r.evicted.length ? ` (${r.evicted.length} older memories evicted to stay within bounds)` : '';
      const warning = r.warning ? ` ${r.warning}` : '';
      void vscode.window.showInformationMessage(
        r.duplicate ? `MCP Warden: already remembered (memory ${r.id}).${warning}` : `MCP Warden: remembered as ${r.id}${evicted}.${warning}`,
      );
      await model.refresh();
    } catch (err) {
      fail(err);
    }
  };

  const search = async () => {
    const qp = vscode.window.createQuickPick<MemoryItem>();
    qp.placeholder = 'Search memories: a question or keywords ("quotes" for phrases; the word being typed matches as a prefix)';
    qp.matchOnDescription = false;
    const store: vscode.Disposable[] = [qp];
    let timer: NodeJS.Timeout | undefined;
    let pending: vscode.CancellationTokenSource | undefined;
    let generation = 0;
    let lastHits: MemoryHit[] = [];
    const runSearch = (query: string) => {
      pending?.cancel();
      pending?.dispose();
      const gen = ++generation;
      if (!query.trim()) {
        pending = undefined;
        qp.busy = false;
        void client.request(MemoryRecentRequest.type, { limit: SEARCH_LIMIT }).then(
          (recent) => gen === generation && (qp.items = recent.map(toItem)),
          () => undefined,
        );
        return;
      }
      const cts = new vscode.CancellationTokenSource();
      pending = cts;
      qp.busy = true;
      // As you type: the last word is a prefix ("sql" finds "sqlite") until a space ends it.
      client.request(MemorySearchRequest.type, { query, limit: SEARCH_LIMIT, prefix: true }, cts.token).then(
        (result) => {
          // A reply to an older query arriving late must not overwrite newer results.
          if (gen !== generation) return;
          lastHits = result.hits;
          qp.items = result.hits.length ? result.hits.map(toItem) : [{ label: 'No memories match', alwaysShow: true }];
          qp.title = result.warning ? `Search Memories — ${result.warning}` : `Search Memories (${result.mode})`;
          qp.busy = false;
        },
        (err) => {
          if (gen !== generation) return;
          qp.busy = false;
          qp.items = [{ label: `$(error) ${WardenError.from(err).message}`, alwaysShow: true }];
        },
      );
    };
    store.push(
      qp.onDidChangeValue((v) => {
        clearTimeout(timer);
        timer = setTimeout(() => runSearch(v), SEARCH_DEBOUNCE_MS);
      }),
      qp.onDidAccept(() => {
        const m = qp.selectedItems[0]?.memory;
        if (qp.value.trim()) model.showResults(qp.value, lastHits);
        qp.hide();
        if (m) void open(m);
      }),
      qp.onDidHide(() => {
        clearTimeout(timer);
        pending?.cancel();
        pending?.dispose();
        for (const d of store.splice(0)) d.dispose();
      }),
    );
    qp.show();
    runSearch('');
  };

  const forget = async (arg: MemoryNode | undefined) => {
    let m: MemoryRecord | undefined = arg;
    if (!m) {
      try {
        const recent = await client.request(MemoryRecentRequest.type, { limit: SEARCH_LIMIT });
        m = (await vscode.window.showQuickPick(recent.map(toItem), { placeHolder: 'Forget which memory?' }))?.memory;
      } catch (err) {
        return fail(err);
      }
    }
    if (!m) return;
    const ok = await vscode.window.showWarningMessage(`Forget "${memoryTitle(m.content, 60)}"? This deletes it from the store.`, { modal: true }, 'Forget');
    if (ok !== 'Forget') return;
    try {
      const r = await client.request(MemoryDeleteRequest.type, { id: m.id });
      if (!r.deleted) void vscode.window.showInformationMessage(`MCP Warden: memory ${m.id} was already gone.`);
      await model.refresh();
    } catch (err) {
      fail(err);
    }
  };

  /** Runs an import or export with a notification progress fed by the helper's progress notifications. */
  const withTransferProgress = <T>(operation: 'import' | 'export', title: string, fn: () => Promise<T>) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async (progress) => {
      let reportedPct = 0;
      const sub = client.onMemoryProgress((p) => {
        if (p.operation !== operation) return;
        const pct = p.totalBytes ? Math.min(100, (p.bytes / p.totalBytes) * 100) : 0;
        progress.report({ message: `${p.done} memories · ${formatBytes(p.bytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}`, increment: Math.max(0, pct - reportedPct) });
        reportedPct = Math.max(reportedPct, pct);
      });
      try {
        return await fn();
      } finally {
        sub.dispose();
      }
    });

  const exportMemories = async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: 'Export Memories',
      filters: { 'JSON Lines': ['jsonl'] },
      defaultUri: folder ? vscode.Uri.joinPath(folder, 'memories.jsonl') : undefined,
    });
    if (!uri) return;
    try {
      const r = await withTransferProgress('export', 'Exporting memories', () => client.request(MemoryExportRequest.type, { path: uri.fsPath }));
      void vscode.window.showInformationMessage(`MCP Warden: exported ${r.exported} memories to ${uri.fsPath}.`);
    } catch (err) {
      fail(err);
    }
  };

  const importMemories = async () => {
    const uris = await vscode.window.showOpenDialog({
      title: 'Import Memories (MCP Warden JSONL or @modelcontextprotocol/server-memory JSONL)',
      filters: { 'JSON Lines': ['jsonl', 'json'], 'All files': ['*'] },
      canSelectMany: false,
    });
    const uri = uris?.[0];
    if (!uri) return;
    try {
      const r = await withTransferProgress('import', 'Importing memories', () => client.request(MemoryImportRequest.type, { path: uri.fsPath }));
      void vscode.window.showInformationMessage(
        `MCP Warden: imported ${r.imported} memories (${r.format}); ${r.duplicates} duplicates and ${r.skipped} invalid lines skipped.`,
      );
      await model.refresh();
    } catch (err) {
      fail(err);
    }
  };

  const provider: vscode.TextDocumentContentProvider = {
    async provideTextDocumentContent(uri) {
      const id = uri.path.replace(/^\//, '').replace(/\.md$/, '');
      try {
        return memoryMarkdown(await client.request(MemoryGetRequest.type, { id }));
      } catch (err) {
        return `# Memory ${id}\n\nCould not load it: ${WardenError.from(err).message}\n`;
      }
    },
  };

  const r = vscode.commands.registerCommand;
  return [
    vscode.workspace.registerTextDocumentContentProvider(MEMORY_SCHEME, provider),
    r('mcpWarden.rememberSelection', remember),
    r('mcpWarden.searchMemories', search),
    r('mcpWarden.forgetMemory', forget),
    r('mcpWarden.exportMemories', exportMemories),
    r('mcpWarden.importMemories', importMemories),
    r('mcpWarden.openMemory', open),
    r('mcpWarden.refreshMemories', () => model.refresh()),
    r('mcpWarden.clearMemorySearch', () => model.clearSearch()),
  ];
}
