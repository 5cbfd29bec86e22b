// The engine's side of `mcp-warden connect`: after a one-line JSON header naming the server, the socket carries the
// client's newline-delimited JSON-RPC both ways (the bridge only copies bytes), read with the same bounded line
// buffer as a server's stdout. One session per socket; closing either ends the other.
import type { Socket } from 'node:net';
import { WardenError } from '../../shared/errors';
import { ChildProcessTransport } from '../mcp/childProcessTransport';
import type { Message } from '../sessions/jsonrpc';
import type { SessionManager } from '../sessions/sessionManager';
import { GatewaySession } from '../gateway/gatewaySession';

/** What the bridge sends first. */
export interface BridgeHello {
  wardenConnect: 1;
  server: string;
  /** `mcp-warden gateway`: the union of `servers` (all configured servers when absent) instead of one server. */
  gateway?: 1;
  servers?: string[];
  /** The bridge's pid and its parent's (the MCP client), for status. */
  pid?: number;
  clientPid?: number;
}

/** What the engine answers before any MCP message. */
export type BridgeReply = { wardenConnected: 1; enginePid: number } | { wardenError: { code: string; message: string } };

export function serveBridge(socket: Socket, hello: unknown, manager: SessionManager, log: (line: string) => void): void {
  const h = hello as Partial<BridgeHello>;
  const reply = (r: BridgeReply) => socket.write(`${JSON.stringify(r)}\n`);
  const gateway = h?.gateway === 1 && (h.servers === undefined || (Array.isArray(h.servers) && h.servers.length <= 500 && h.servers.every((s) => typeof s === 'string')));
  if (!h || h.wardenConnect !== 1 || (typeof h.server !== 'string' && !gateway)) {
    reply({ wardenError: { code: 'INTERNAL', message: 'The first line must be {"wardenConnect":1,"server":NAME} or {"wardenConnect":1,"gateway":1,"servers":[…]}.' } });
    socket.end();
    return;
  }
  const label = `${gateway ? 'gateway' : 'connect'} (pid ${typeof h.pid === 'number' ? h.pid : '?'}${typeof h.clientPid === 'number' ? `, client ${h.clientPid}` : ''})`;
  let transport: ChildProcessTransport | undefined;
  let session: { receive(m: Message): void; close(reason: string): void };
  try {
    const link = {
      label,
      send: (m: Message) => void transport?.send(m).catch(() => undefined),
      close: () => {
        void transport?.close();
        socket.end();
      },
    };
    session = gateway ? new GatewaySession(manager, link, { servers: h.servers ?? null, log }) : manager.open(h.server!, link);
  } catch (err) {
    const e = WardenError.from(err);
    reply({ wardenError: { code: e.code, message: e.message } });
    socket.end();
    return;
  }
  const s = session;
  transport = new ChildProcessTransport(socket, socket, {
    onGarbage: (line) => log(`${label}: not JSON-RPC, ignored: ${line.slice(0, 200)}`),
  });
  transport.onmessage = (m) => s.receive(m);
  transport.onclose = () => s.close('the bridge closed its connection');
  socket.on('close', () => s.close('the bridge closed its connection'));
  socket.on('error', () => s.close('the bridge connection failed'));
  reply({ wardenConnected: 1, enginePid: process.pid });
  void transport.start();
}
