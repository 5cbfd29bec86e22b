// The memory MCP server's stdio transport: newline-delimited JSON-RPC read with a bounded line buffer. The SDK's
// own transport closes itself on a line past 10 MB (the server then exited 0, losing every later request) and
// decodes invalid UTF-8 into U+FFFD; here an oversized or non-UTF-8 request gets an answer that says why (a tool
// error for tools/call, a JSON-RPC error otherwise) and the next request is served as usual.
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { decodeUtf8, LineSplitter, type OversizedLine } from './lineSplitter';

/** Largest request accepted: far above one memory (100 KB) and room for large server-memory batches. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;

type Id = string | number;

/** The request's id and method, read from the text kept of a line we will not parse (ids are ASCII JSON). */
function identify(head: string, tail: string): { id: Id | null; method: string | null } {
  const idRe = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,200}")/g;
  // The SDK's client writes the id last; other clients may write it first.
  const tailIds = [...tail.matchAll(idRe)];
  const m = /}\s*$/.test(tail) && tailIds.length ? tailIds[tailIds.length - 1] : head.match(/^\s*\{[^]*?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,200}")/);
  let id: Id | null = null;
  if (m) {
    try {
      const v = JSON.parse(m[1]!) as unknown;
      if (typeof v === 'number' || typeof v === 'string') id = v;
    } catch {
      // not an id after all
    }
  }
  const method = /"method"\s*:\s*"([\w/.-]{1,100})"/.exec(head)?.[1] ?? null;
  return { id, method };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export class StdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private closed = false;
  private readonly splitter = new LineSplitter(MAX_REQUEST_BYTES, {
    line: (bytes) => this.receive(bytes),
    oversized: (o) => this.refuseOversized(o),
  });
  private readonly onData = (chunk: Buffer) => this.splitter.push(chunk);
  private readonly onEnd = () => {
    this.splitter.end();
    void this.close();
  };
  private readonly onStreamError = (err: Error) => this.onerror?.(err);

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
  ) {}

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onStreamError);
    this.output.on('error', this.onStreamError);
  }

  private receive(bytes: Buffer): void {
    const text = decodeUtf8(bytes);
    if (text === null) {
      const latin1 = bytes.toString('latin1');
      this.refuse(latin1.slice(0, 4096), latin1.slice(-4096), 'The request is not valid UTF-8, so it was not processed (nothing was saved); send the text as UTF-8.');
      return;
    }
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      void this.send({ jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: 'The request is not valid JSON.' } } as unknown as JSONRPCMessage);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = (value as { id?: unknown } | null)?.id;
      if (typeof id === 'string' || typeof id === 'number') this.replyError(id, 'The request is not a JSON-RPC 2.0 message.');
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private refuseOversized(o: OversizedLine): void {
    this.refuse(o.head.toString('latin1'), o.tail.toString('latin1'), `The request is ${megabytes(o.bytes)}, too large: this server takes requests up to ${megabytes(MAX_REQUEST_BYTES)} (and one memory up to 100 KB). It was not processed; save a summary, or split a batch into smaller calls.`);
  }

  private refuse(head: string, tail: string, message: string): void {
    const { id, method } = identify(head, tail);
    if (id === null) {
      // A notification (or no id we could read): there is nobody to answer; say it where the operator looks.
      process.stderr.write(`mcp-warden memory server: dropped a message: ${message}\n`);
      return;
    }
    if (method === 'tools/call') {
      void this.send({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: message }], isError: true } });
    } else {
      this.replyError(id, message);
    }
  }

  private replyError(id: Id, message: string): void {
    void this.send({ jsonrpc: '2.0', id, error: { code: INVALID_REQUEST, message } });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.output.destroyed) {
        resolve();
        return;
      }
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onStreamError);
    this.output.off('error', this.onStreamError);
    this.onclose?.();
  }
}
