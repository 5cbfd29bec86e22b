// The resource graph webview: RSS and children over time per server, seeded from the helper's bounded history, then live from snapshots.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { WardenError } from '../../shared/errors';
import type { HistoryPoint } from '../../shared/protocol';
import type { WardenModel } from '../model';

/** Points kept per server in the page; the helper's own history is bounded too (historySize). */
export const GRAPH_MAX_POINTS = 600;

export class ResourceGraphPanel implements vscode.Disposable {
  private static current: ResourceGraphPanel | undefined;
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  static show(extensionUri: vscode.Uri, model: WardenModel, loadHistory: () => Promise<Record<string, HistoryPoint[]>>): ResourceGraphPanel {
    if (ResourceGraphPanel.current) {
      ResourceGraphPanel.current.panel.reveal();
      return ResourceGraphPanel.current;
    }
    ResourceGraphPanel.current = new ResourceGraphPanel(extensionUri, model, loadHistory);
    return ResourceGraphPanel.current;
  }

  /** Closes the panel if open (deactivate). */
  static disposeCurrent(): void {
    ResourceGraphPanel.current?.dispose();
  }

  private constructor(
    extensionUri: vscode.Uri,
    model: WardenModel,
    private readonly loadHistory: () => Promise<Record<string, HistoryPoint[]>>,
  ) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel('mcpWarden.resourceGraph', 'MCP Warden: Resources', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
    });
    this.panel.iconPath = vscode.Uri.joinPath(media, 'warden.svg');
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.css'));
    webview.html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource}; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>MCP Warden: Resources</title>
</head>
<body data-max-points="${GRAPH_MAX_POINTS}">
<h2>Memory (RSS of each server's process tree)</h2>
<canvas id="rss" aria-label="RSS over time per server"></canvas>
<h2>Child processes</h2>
<canvas id="children" aria-label="Child processes over time per server"></canvas>
<div id="legend" role="list"></div>
<p id="status">Loading history…</p>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((m: { type?: string }) => {
        // The page asks for history when it loads (also after being hidden and shown again).
        if (m?.type === 'ready') void this.sendHistory();
      }),
      model.onSnapshot((s) => {
        void this.panel.webview.postMessage({
          type: 'sample',
          t: s.sampledAt,
          servers: s.servers.map((x) => ({ name: x.name, rssBytes: x.rssBytes, children: x.children })),
        });
      }),
    );
  }

  private async sendHistory(): Promise<void> {
    try {
      const series = await this.loadHistory();
      if (!this.disposed) void this.panel.webview.postMessage({ type: 'history', series });
    } catch (err) {
      if (!this.disposed) void this.panel.webview.postMessage({ type: 'error', message: WardenError.from(err).message });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResourceGraphPanel.current === this) ResourceGraphPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
