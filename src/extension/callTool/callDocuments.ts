// Call Tool results as read-only virtual documents (scheme mcp-warden-call), titled "server › tool (12 ms)", and a
// bounded history of recent calls per server that they are read from.
import * as vscode from 'vscode';
import { BoundedMap, RingBuffer } from '../../shared/bounded';
import { callDocumentText, callTitle, type CallRecord } from './callRecord';

export const CALL_SCHEME = 'mcp-warden-call';
export const CALLS_PER_SERVER = 20;
const MAX_SERVERS = 32;

export class CallDocuments implements vscode.Disposable {
  private readonly history = new BoundedMap<string, RingBuffer<CallRecord>>(MAX_SERVERS);
  private nextId = 1;
  private readonly registration: vscode.Disposable;

  constructor() {
    const provider: vscode.TextDocumentContentProvider = {
      provideTextDocumentContent: (uri) => {
        const id = Number(new URLSearchParams(uri.query).get('id'));
        const record = this.find(id);
        return record
          ? callDocumentText(record)
          : `# Tool call ${id}\n\nThis call is no longer in the history: MCP Warden keeps the last ${CALLS_PER_SERVER} calls per server.\n`;
      },
    };
    this.registration = vscode.workspace.registerTextDocumentContentProvider(CALL_SCHEME, provider);
  }

  add(record: Omit<CallRecord, 'id'>): CallRecord {
    const full = { ...record, id: this.nextId++ };
    let ring = this.history.get(record.server);
    if (!ring) this.history.set(record.server, (ring = new RingBuffer(CALLS_PER_SERVER)));
    ring.push(full);
    return full;
  }

  private find(id: number): CallRecord | undefined {
    for (const ring of this.history.values()) for (const r of ring.toArray()) if (r.id === id) return r;
    return undefined;
  }

  /** Newest first, across servers (or one server). */
  recent(server?: string): CallRecord[] {
    const rings = server ? [this.history.get(server)].filter((r) => r !== undefined) : [...this.history.values()];
    return rings.flatMap((r) => r.toArray()).sort((a, b) => b.id - a.id);
  }

  uri(r: CallRecord): vscode.Uri {
    return vscode.Uri.from({ scheme: CALL_SCHEME, path: `/${callTitle(r)}`, query: `id=${r.id}` });
  }

  async open(r: CallRecord): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(this.uri(r));
    await vscode.languages.setTextDocumentLanguage(doc, 'jsonc');
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  dispose(): void {
    this.registration.dispose();
    this.history.clear();
  }
}
