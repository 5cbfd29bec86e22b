// Streamable HTTP on TCP, loopback only: 127.0.0.1 (or ::1) and nothing else; any other host is refused before binding.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Disposable } from '../../shared/disposable';
import { WardenError } from '../../shared/errors';
import type { HttpHandler } from './httpEndpoint';

export interface TcpEndpoint extends Disposable {
  readonly url: string;
  readonly port: number;
}

export function assertLoopbackHost(host: string): void {
  if (host !== '127.0.0.1' && host !== '::1') {
    throw new WardenError('CONFIG_INVALID', `MCP Warden serves HTTP on loopback only (127.0.0.1 or ::1), not on "${host}": anything else would let other machines call your servers.`);
  }
}

export async function listenTcp(host: string, port: number, http: HttpHandler): Promise<TcpEndpoint> {
  assertLoopbackHost(host);
  const server: Server = createServer((req, res) => void http.handle(req, res, { viaUnixSocket: false }));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new WardenError('CONFIG_INVALID', `Cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${actual}/mcp`,
    port: actual,
    dispose() {
      server.closeAllConnections?.();
      server.close();
    },
  };
}
