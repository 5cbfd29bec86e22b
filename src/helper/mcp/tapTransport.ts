// Wraps a server's transport so the session layer can see and send raw JSON-RPC messages beside the SDK client the
// supervisor uses for the handshake and its own calls: what the tap claims never reaches the SDK, so methods Warden
// does not know pass through unchanged. The SDK client's ids are numbers; the session layer's are strings ("w:…").
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface RawTap {
  /** A message from the server; true when the tap took it (the SDK client never sees it). */
  message(message: JSONRPCMessage): boolean;
  /** The server's stdio closed (exit, stop, crash). */
  closed(): void;
}

/** The raw side of a running server, as the session layer sees it. */
export interface RawChannel {
  send(message: JSONRPCMessage): Promise<void>;
  setTap(tap: RawTap | undefined): void;
  /** The server's answer to the supervisor's initialize request (capabilities, serverInfo, instructions, version). */
  readonly initializeResult: Record<string, unknown> | undefined;
}

export class TapTransport implements Transport, RawChannel {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  initializeResult: Record<string, unknown> | undefined;
  private tap: RawTap | undefined;
  private initializeId: string | number | undefined;
  private closed = false;

  constructor(private readonly inner: Transport) {
    inner.onmessage = (m) => {
      if (this.tap?.message(m)) return;
      if (this.initializeId !== undefined && 'id' in m && m.id === this.initializeId && 'result' in m) {
        this.initializeResult = m.result as Record<string, unknown>;
        this.initializeId = undefined;
      }
      this.onmessage?.(m);
    };
    inner.onclose = () => {
      this.closed = true;
      const tap = this.tap;
      this.tap = undefined;
      tap?.closed();
      this.onclose?.();
    };
    inner.onerror = (e) => this.onerror?.(e);
  }

  setTap(tap: RawTap | undefined): void {
    if (this.closed && tap) {
      tap.closed();
      return;
    }
    this.tap = tap;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('method' in message && message.method === 'initialize' && 'id' in message) this.initializeId = message.id;
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
