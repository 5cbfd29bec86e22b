// The resource graph webview: RSS and children over time per server, seeded from the helper's bounded history, then
// live from snapshots, with each server's limit and warn lines and markers for its restarts and caps.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { MB } from '../../shared/format';
import { RingBuffer } from '../../shared/bounded';
import { WardenError } from '../../shared/errors';
import type { HistoryPoint, WardenEvent, WardenSnapshot } from '../../shared/protocol';
import { readWardenSettings } from '../configSources';
import type { WardenModel } from '../model';
import { plainText } from '../present/text';

/** Points kept per server in the page; the helper's own history is bounded too (historySize). */
export const GRAPH_MAX_POINTS = 600;
const MAX_MARKERS = 400;

export interface GraphMarker {
  t: number;
  name: string;
  kind: 'restart' | 'cap' | 'failed';
  text: string;
}

/** Restarts, caps and give-ups as graph markers; other events are not drawn. */
export function markerFor(e: WardenEvent): GraphMarker | null {
  if (!e.server) return null;
  if (e.kind === 'restart') return { t: e.time, name: e.server, kind: 'restart', text: `${e.server}: restart ${e.attempt ?? '?'}/${e.maxAttempts ?? '?'}` };
  if (e.kind === 'cap' && e.action !== 'refuse') return { t: e.time, name: e.server, kind: e.action === 'give-up' ? 'failed' : 'cap', text: plainText(e.message) };
  return null;
}

/** Markers since activation (the helper keeps samples, not events): bounded, shared by every panel. */
export class GraphMarkers implements vscode.Disposable {
  readonly ring = new RingBuffer<GraphMarker>(MAX_MARKERS);
  private readonly subscription: { dispose(): void };
  constructor(model: WardenModel) {
    this.subscription = model.onEvent((e) => {
      const m = markerFor(e);
      if (m) this.ring.push(m);
    });
  }
  dispose(): void {
    this.subscription.dispose();
  }
}

function latestServers(s: WardenSnapshot | null) {
  return (s?.servers ?? []).map((x) => ({
    name: x.name,
    state: x.state,
    // The figure the tree shows and the caps judge (a cgroup's working set or the tree's PSS; RSS where neither).
    rssBytes: x.memoryBytes ?? x.rssBytes,
    children: x.children,
    limitBytes: x.caps.memoryLimitMB * MB,
    warnBytes: Math.round((x.caps.memoryLimitMB * MB * x.caps.warnAtPercent) / 100),
  }));
}

export class ResourceGraphPanel implements vscode.Disposable {
  private static current: ResourceGraphPanel | undefined;
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  static show(extensionUri: vscode.Uri, model: WardenModel, markers: GraphMarkers, loadHistory: () => Promise<Record<string, HistoryPoint[]>>): ResourceGraphPanel {
    if (ResourceGraphPanel.current) {
      ResourceGraphPanel.current.panel.reveal();
      return ResourceGraphPanel.current;
    }
    ResourceGraphPanel.current = new ResourceGraphPanel(extensionUri, model, markers, loadHistory);
    return ResourceGraphPanel.current;
  }

  /** Closes the panel if open (deactivate). */
  static disposeCurrent(): void {
    ResourceGraphPanel.current?.dispose();
  }

  private constructor(
    extensionUri: vscode.Uri,
    private readonly model: WardenModel,
    private readonly markers: GraphMarkers,
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
    const scale = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graphScale.js'));
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
<h2>Memory of each server's process tree (the figure its memory cap judges)</h2>
<canvas id="rss" aria-label="Memory over time per server"></canvas>
<h2>Child processes</h2>
<canvas id="children" aria-label="Child processes over time per server"></canvas>
<div id="legend" role="list" aria-label="Servers"></div>
<p id="summary" class="visually-hidden" aria-live="polite"></p>
<p id="status">Loading history…</p>
<div id="hover" hidden></div>
<script nonce="${nonce}" src="${scale}"></script>
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
        void this.panel.webview.postMessage({ type: 'sample', t: s.sampledAt, intervalMs: this.intervalMs(), servers: latestServers(s) });
      }),
      model.onEvent((e) => {
        const marker = markerFor(e);
        if (marker) void this.panel.webview.postMessage({ type: 'marker', marker });
      }),
    );
  }

  private async sendHistory(): Promise<void> {
    try {
      const series = await this.loadHistory();
      if (!this.disposed) {
        void this.panel.webview.postMessage({
          type: 'history',
          series,
          intervalMs: this.intervalMs(),
          markers: this.markers.ring.toArray(),
          servers: latestServers(this.model.lastSnapshot),
        });
      }
    } catch (err) {
      if (!this.disposed) void this.panel.webview.postMessage({ type: 'error', message: WardenError.from(err).message });
    }
  }

  /** For telling a gap (the server was down) from the time between two samples. */
  private intervalMs(): number {
    const cfg = vscode.workspace.getConfiguration('mcpWarden');
    const isSet = (k: string) => {
      const i = cfg.inspect(k);
      return i !== undefined && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
    };
    return readWardenSettings((k) => cfg.get(k), isSet).settings.sampleIntervalMs ?? 2000;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ResourceGraphPanel.current === this) ResourceGraphPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
