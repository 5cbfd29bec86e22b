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
import { plainText } from '../present/text';
import type { MemoryModel } from './memoryModel';
import { MEMORY_SCHEME, memoryIdOf, memoryUri, type MemoryNode } from './memoryTree';
import { memoryDescription, memoryMarkdown, memoryTitle, parseMemorySource, parseTags, SOURCE_LINE_PREFIX, sourceForSelection } from './present';
import { MemoryStatsRequest } from '../../shared/protocol';

/** Typing pauses shorter than this do not send a search. */
export const SEARCH_DEBOUNCE_MS = 200;
const SEARCH_LIMIT = 30;

function fail(err: unknown): void {
  void vscode.window.showErrorMessage(`MCP Warden: ${plainText(WardenError.from(err).message)}`);
}

type MemoryItem = vscode.QuickPickItem & { memory?: MemoryRecord | MemoryHit };

function toItem(m: MemoryRecord | MemoryHit): MemoryItem {
  // alwaysShow: the helper already ranked these; the quick pick's own label filter would hide good matches.
  return { label: memoryTitle(m.content), description: memoryDescription(m, Date.now()), detail: m.tags.length ? `tags: ${m.tags.join(', ')}` : undefined, alwaysShow: true, memory: m };
}

export function registerMemoryCommands(client: HelperClient, model: MemoryModel): vscode.Disposable[] {
  const open = async (m: MemoryNode | string | undefined) => {
    if (!m) return;
    try {
      const record = typeof m === 'string' ? await client.request(MemoryGetRequest.type, { id: m }) : m;
      const doc = await vscode.workspace.openTextDocument(memoryUri(record));
      await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
      await vscode.window.showTextDocument(doc, { preview: true });
    } catch (err) {
      fail(err);
    }
  };

  /** Existing categories (most used first) to pick from, or a new one typed in; undefined when dismissed. */
  const pickCategory = async (): Promise<string | undefined> => {
    let existing: { category: string; count: number }[] = [];
    try {
      existing = (await client.request0(MemoryStatsRequest.type)).categories.filter((c) => c.category);
    } catch {
      // No suggestions; typing a category still works.
    }
    type Item = vscode.QuickPickItem & { category: string };
    const base: Item[] = [
      { label: '$(circle-slash) No category', category: '', alwaysShow: true },
      ...existing.slice(0, 50).map((c) => ({ label: c.category, description: `${c.count} ${c.count === 1 ? 'memory' : 'memories'}`, category: c.category })),
    ];
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = 'Remember Selection (1/2)';
    qp.placeholder = existing.length ? 'Category: pick one, or type a new one' : 'Category (optional): type one, e.g. decision, fact, note';
    qp.items = base;
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: string | undefined) => {
        if (done) return;
        done = true;
        resolve(v);
        qp.dispose();
      };
      qp.onDidChangeValue((v) => {
        const typed = v.trim();
        const known = base.some((i) => i.category === typed);
        qp.items = typed && !known ? [{ label: typed, description: 'new category', category: typed, alwaysShow: true }, ...base] : base;
      });
      qp.onDidAccept(() => finish(qp.selectedItems[0]?.category ?? qp.value.trim()));
      qp.onDidHide(() => finish(undefined));
      qp.show();
    });
  };

  const remember = async () => {
    const editor = vscode.window.activeTextEditor;
    const text = editor ? editor.document.getText(editor.selection) : '';
    if (!editor || !text.trim()) {
      void vscode.window.showInformationMessage('MCP Warden: select the text to remember first.');
      return;
    }
    const category = await pickCategory();
    if (category === undefined) return;
    const tags = await vscode.window.showInputBox({ title: 'Remember Selection (2/2)', prompt: 'Tags, comma-separated (optional)' });
    if (tags === undefined) return;
    try {
      const doc = editor.document;
      // The file and lines it came from, so the memory links back (an unsaved editor has no file to link to).
      const sel = editor.selection;
      // A selection of whole lines ends at column 0 of the next line, which is not part of it.
      const lastLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1;
      const source = doc.uri.scheme !== 'untitled' ? sourceForSelection(doc.uri.toString(), sel.start.line + 1, lastLine) : 'vscode';
      const r = await client.request(MemorySaveRequest.type, {
        content: text,
        category: category.trim() || undefined,
        tags: parseTags(tags),
        source,
        workspace: vscode.workspace.name ?? '',
      });
      const evicted = r.evicted.length ? ` (${r.evicted.length} older memories evicted to stay within bounds)` : '';
      const warning = r.warning ? ` ${r.warning}` : '';
      const title = memoryTitle(text, 50);
      await model.refresh();
      const choice = await vscode.window.showInformationMessage(
        r.duplicate ? `MCP Warden: already remembered “${title}”.${warning}` : `MCP Warden: remembered “${title}”${evicted}.${warning}`,
        ...(r.duplicate ? ['Open'] : ['Open', 'Undo']),
      );
      if (choice === 'Open') await open(r.id);
      else if (choice === 'Undo') {
        await client.request(MemoryDeleteRequest.type, { id: r.id });
        await model.refresh();
        void vscode.window.showInformationMessage(`MCP Warden: forgot “${title}” again.`);
      }
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
          const how = result.mode === 'hybrid' ? ' — meaning and words' : result.mode === 'vector' ? ' — by meaning' : '';
          qp.title = result.warning ? `Search Memories — ${result.warning}` : `Search Memories${how}`;
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
    const ok = await vscode.window.showWarningMessage(`Forget “${memoryTitle(m.content, 60)}”?`, { modal: true, detail: 'This deletes it from the memory store.' }, 'Forget');
    if (ok !== 'Forget') return;
    try {
      const r = await client.request(MemoryDeleteRequest.type, { id: m.id });
      if (!r.deleted) void vscode.window.showInformationMessage(`MCP Warden: “${memoryTitle(m.content, 60)}” was already gone.`);
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
      const id = memoryIdOf(uri);
      try {
        return memoryMarkdown(await client.request(MemoryGetRequest.type, { id }));
      } catch (err) {
        return `Memory ${id} could not be loaded: ${WardenError.from(err).message}\n`;
      }
    },
  };

  // The "Source:" line links to the file and lines the memory was saved from.
  const links: vscode.DocumentLinkProvider = {
    async provideDocumentLinks(document) {
      const out: vscode.DocumentLink[] = [];
      for (let i = document.lineCount - 1; i >= Math.max(0, document.lineCount - 12); i--) {
        const line = document.lineAt(i);
        if (!line.text.startsWith(SOURCE_LINE_PREFIX)) continue;
        const record = await client.request(MemoryGetRequest.type, { id: memoryIdOf(document.uri) }).catch(() => undefined);
        const src = record && parseMemorySource(record.source);
        if (!src) break;
        const target = vscode.Uri.parse(src.file).with({ fragment: `L${src.startLine}` });
        const link = new vscode.DocumentLink(new vscode.Range(i, SOURCE_LINE_PREFIX.length, i, line.text.replace(/\s+$/, '').length), target);
        link.tooltip = `Open ${src.label}`;
        out.push(link);
        break;
      }
      return out;
    },
  };

  const r = vscode.commands.registerCommand;
  return [
    vscode.workspace.registerTextDocumentContentProvider(MEMORY_SCHEME, provider),
    vscode.languages.registerDocumentLinkProvider({ scheme: MEMORY_SCHEME }, links),
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
