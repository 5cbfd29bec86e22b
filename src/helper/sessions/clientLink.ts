// How a session talks to its client, whatever the way in (the stdio bridge's socket, a Streamable HTTP session).
import type { Id, Message } from './jsonrpc';

export interface ClientLink {
  /** For logs and status: "connect (pid 123)", "http 1f2e…". */
  readonly label: string;
  /**
   * The VS Code window a session comes from (the `X-MCP-Warden-Window` header of Warden's provider), if one said so:
   * the session shares the servers that window holds and ends when the window detaches from the engine.
   */
  readonly window?: string;
  /**
   * Sends one message to the client. `relatedRequestId` is the client's request this message belongs to (a
   * response, its progress, a server request made while it runs), so HTTP can put it on that request's stream.
   */
  send(message: Message, relatedRequestId?: Id): void;
  /** Ends the connection from Warden's side (the session is already closed). */
  close(reason: string): void;
}
