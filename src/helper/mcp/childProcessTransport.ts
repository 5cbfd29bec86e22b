// An MCP transport over the stdio of a process we spawned ourselves (the SDK's stdio transport spawns its own
// child, and we need the process group). Newline-delimited JSON-RPC, bounded in bytes (lineSplitter.ts): a server that
// prints garbage or an endless line costs us at most maxLineBytes; a reply over the bound fails its own call at once
// ("reply too large"), and a closed stdout or a broken stdin pipe is reported as the channel's end, not left silent.
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineSplitter, type LongLine } from './lineSplitter';

const MB = 1024 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 8 * MB;
/** JSON-RPC error code of the error we answer in a server's name when its reply is over the bound. */
export const REPLY_TOO_LARGE_RPC_CODE = -32099;

export interface TransportDiagnostics {
  /** A stdout line that is not a JSON-RPC message (already truncated for display). */
  onGarbage(line: string, kind: 'not-json' | 'too-long'): void;
  /** The channel ended from the server's side (stdout closed or failed, stdin pipe broken), whatever the process does. */
  onChannelClosed?(reason: string): void;
}

/** The id of a JSON-RPC response from a line's edges, or undefined (a request or notification from the server, or no id). */
export function responseIdOf(line: LongLine): string | number | undefined {
  // The top-level keys before the first nested value: a "method" there makes it a request or notification.
  const firstNested = line.head.indexOf('{', line.head.indexOf('{') + 1);
  const prefix = firstNested < 0 ? line.head : line.head.slice(0, firstNested);
  if (/"method"\s*:/.test(prefix)) return undefined;
  const ID = String.raw`(-?\d+|"(?:[^"\\]|\\.){0,200}")`;
  // The SDK writes {"result":…,"jsonrpc":"2.0","id":N} (id last); others write the id first.
  const m = new RegExp(String.raw`"id"\s*:\s*${ID}\s*\}\s*\r?$`).exec(line.tail) ?? new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}`).exec(line.head);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!) as string | number;
  } catch {
    return undefined;
  }
}

export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly lines: LineSplitter;
  private closed = false;
  private readonly onData = (chunk: Buffer) => this.lines.push(chunk);
  private readonly onEnd = () => this.channelClosed('closed its stdout');
  private readonly onStdoutError = (err: Error) => this.channelClosed(`its stdout failed (${err.message})`);
  private readonly onStdinError = (err: Error) => {
    const code = (err as NodeJS.ErrnoException).code;
    this.channelClosed(code === 'EPIPE' ? 'closed its stdin (the pipe broke: EPIPE)' : `its stdin failed (${err.message})`);
  };

  constructor(
    private readonly stdout: Readable,
    private readonly stdin: Writable,
    private readonly diagnostics: TransportDiagnostics,
    maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    const limitText = `${Math.round((maxLineBytes / MB) * 10) / 10} MB`;
    this.lines = new LineSplitter(maxLineBytes, {
      line: (line) => this.flushLine(line),
      longLine: (info) => {
        const id = responseIdOf(info);
        const sizeText = `${(info.bytes / MB).toFixed(1)} MB`;
        if (id === undefined) {
          this.diagnostics.onGarbage(`${info.head.slice(0, 200)}… (line of ${sizeText}, over the ${limitText} limit maxMessageMB, discarded)`, 'too-long');
          return;
        }
        this.diagnostics.onGarbage(`reply to request ${JSON.stringify(id)} is ${sizeText}, over the ${limitText} limit maxMessageMB; discarded and its call failed`, 'too-long');
        // Answer in the server's name, so the caller fails now instead of waiting for its timeout.
        this.onmessage?.({ jsonrpc: '2.0', id, error: { code: REPLY_TOO_LARGE_RPC_CODE, message: `reply too large (${sizeText} > ${limitText} limit)` } });
      },
    });
  }

  async start(): Promise<void> {
    this.stdout.on('data', this.onData);
    this.stdout.on('end', this.onEnd);
    this.stdout.on('error', this.onStdoutError);
    this.stdin.on('error', this.onStdinError);
  }

  private flushLine(text: string): void {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
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

  private channelClosed(reason: string): void {
    if (this.closed) return;
    this.lines.end();
    this.diagnostics.onChannelClosed?.(reason);
    void this.close();
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
    this.stdout.off('error', this.onStdoutError);
    this.stdin.off('error', this.onStdinError);
    // Streams may still emit an error after we let go of them; an unhandled 'error' would crash the engine.
    this.stdout.on('error', () => undefined);
    this.stdin.on('error', () => undefined);
    this.lines.reset();
    this.onclose?.();
  }
}
