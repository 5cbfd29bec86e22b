// The lean path of Streamable HTTP for an initialized session: a POST of one JSON-RPC message is read and answered
// here on node:http, without the SDK transport's Web-standard Request/Response/ReadableStream conversion (measured:
// most of the 0.8-2.4 ms HTTP added per call). A reply that comes before anything else for its request is sent as a
// plain JSON body; progress or a server request first turns that POST into an SSE stream, as the spec allows either.
// Everything else (initialize, batches, GET, DELETE, a header the SDK would refuse) stays on the SDK transport.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { Id, Message } from '../sessions/jsonrpc';

/** The SDK transport's request body bound (4 MiB), kept on this path too. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** POSTs of one HTTP session waiting for their reply here; the session layer caps a client far lower (8). */
export const MAX_DIRECT_PENDING = 256;

export type DirectBody = { ok: true; text: string } | { ok: false; status: number; code: number; message: string };

/** True when the SDK would accept this POST's headers as they are; anything unusual goes to the SDK to refuse. */
export function directEligible(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept || !accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (req.headers['content-type'] !== 'application/json') return false;
  const version = req.headers['mcp-protocol-version'];
  return version === undefined || (typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version));
}

/** Reads the body up to MAX_BODY_BYTES (a larger declared Content-Length is refused unread, as the SDK does). */
export function readBody(req: IncomingMessage): Promise<DirectBody> {
  const tooLarge: DirectBody = { ok: false, status: 413, code: -32000, message: `Payload Too Large: Request body must not exceed ${MAX_BODY_BYTES} bytes` };
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.resume();
        resolve(tooLarge);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve({ ok: true, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') }));
    req.once('error', (err) => resolve({ ok: false, status: 400, code: -32000, message: `The request body could not be read: ${err.message}` }));
  });
}

/** One JSON-RPC message (request, notification or response) that this path takes; batches and initialize are the SDK's. */
export function directMessage(parsed: unknown): Message | undefined {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const m = parsed as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return undefined;
  const idOk = typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id));
  if (typeof m.method === 'string') {
    if (m.method === 'initialize') return undefined;
    if (m.id !== undefined && !idOk) return undefined;
    if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null)) return undefined;
    return m as unknown as Message;
  }
  if (idOk && ('result' in m || (typeof m.error === 'object' && m.error !== null))) return m as unknown as Message;
  return undefined;
}

interface Waiting {
  res: ServerResponse;
  /** True once the POST became an SSE stream (something came before the reply). */
  streaming: boolean;
}

/** The POSTs of one HTTP session answered on this path, by the client's request id. */
export class DirectReplies {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly sessionId: string) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Takes one request's POST; false when it cannot wait here (its id is already waiting, or the bound is reached). */
  hold(id: Id, res: ServerResponse): boolean {
    const key = JSON.stringify(id);
    if (this.waiting.has(key) || this.waiting.size >= MAX_DIRECT_PENDING) return false;
    const w: Waiting = { res, streaming: false };
    this.waiting.set(key, w);
    // The client gave up on this POST (as with the SDK's streams, its request itself goes on; a late reply is dropped).
    res.once('close', () => {
      if (this.waiting.get(key) === w) this.waiting.delete(key);
    });
    return true;
  }

  /** Sends a message that belongs to `related` on that request's POST; false when no POST of it waits here. */
  route(m: Message, related: Id | undefined): boolean {
    if (related === undefined) return false;
    const key = JSON.stringify(related);
    const w = this.waiting.get(key);
    if (!w) return false;
    const isReply = (m as { id?: unknown }).id === related && !('method' in m);
    const json = JSON.stringify(m);
    if (isReply && !w.streaming) {
      this.waiting.delete(key);
      w.res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': this.sessionId });
      w.res.end(json);
      return true;
    }
    if (!w.streaming) {
      w.streaming = true;
      w.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', 'mcp-session-id': this.sessionId });
    }
    w.res.write(`event: message\ndata: ${json}\n\n`);
    if (isReply) {
      this.waiting.delete(key);
      w.res.end();
    }
    return true;
  }

  /** The session ended: every POST still waiting is closed (its client sees the stream end, as with the SDK). */
  dispose(): void {
    for (const w of this.waiting.values()) {
      if (!w.res.headersSent) w.res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      else w.res.end();
    }
    this.waiting.clear();
  }
}
