// An MCP transport over the stdio of a process we spawned ourselves (the SDK's stdio transport spawns its own
// child, and we need the process group). Newline-delimited JSON-RPC with a bounded line buffer: a server that
// prints garbage or a 100 MB line costs us at most MAX_LINE_BYTES, and garbage is reported, not fatal.
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface TransportDiagnostics {
  /** A stdout line that is not a JSON-RPC message (already truncated for display). */
  onGarbage(line: string, kind: 'not-json' | 'too-long'): void;
}

export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** True while discarding the rest of an over-long line. */
  private discarding = false;
  private closed = false;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onEnd = () => void this.close();
  private readonly onStreamError = (err: Error) => this.onerror?.(err);

  constructor(
    private readonly stdout: Readable,
    private readonly stdin: Writable,
    private readonly diagnostics: TransportDiagnostics,
  ) {}

  async start(): Promise<void> {
    this.stdout.on('data', this.onData);
    this.stdout.on('end', this.onEnd);
    this.stdout.on('error', this.onStreamError);
    this.stdin.on('error', this.onStreamError);
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.discarding) {
        if (this.bufferedBytes + (end - start) > MAX_LINE_BYTES) {
          const head = Buffer.concat([...this.chunks, chunk.subarray(start, Math.min(end, start + 200))]).toString('utf8', 0, 200);
          this.chunks = [];
          this.bufferedBytes = 0;
          this.discarding = true;
          this.diagnostics.onGarbage(`${head}… (line longer than ${MAX_LINE_BYTES / 1024 / 1024} MB discarded)`, 'too-long');
        } else if (end > start) {
          this.chunks.push(chunk.subarray(start, end));
          this.bufferedBytes += end - start;
        }
      }
      if (nl < 0) break;
      if (this.discarding) this.discarding = false;
      else this.flushLine();
      start = nl + 1;
    }
  }

  private flushLine(): void {
    const line = (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.bufferedBytes = 0;
    if (!line.trim()) return;
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(line));
    } catch {
      this.diagnostics.onGarbage(line.length > 200 ? `${line.slice(0, 200)}…` : line, 'not-json');
      return;
    }
    this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.stdin.destroyed || !this.stdin.writable) {
        reject(new Error('the server process is not accepting input (stdin closed)'));
        return;
      }
      const ok = this.stdin.write(`${JSON.stringify(message)}\n`, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else this.stdin.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdout.off('data', this.onData);
    this.stdout.off('end', this.onEnd);
    this.stdout.off('error', this.onStreamError);
    this.stdin.off('error', this.onStreamError);
    this.chunks = [];
    this.bufferedBytes = 0;
    this.onclose?.();
  }
}
