// The engine's socket in the state dir (0600): one listener for both ways in. A connection whose first byte is `{`
// is `mcp-warden connect` (a JSON header line, then JSON-RPC lines); anything else is HTTP, handed to the
// Streamable HTTP endpoint. Bounded: at most MAX_SOCKET_CLIENTS connections, a header of at most 4 KB.
import { unlinkSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { Disposable } from '../../shared/disposable';
import { listenPrivate } from '../platform/listenPrivate';
import type { SessionManager } from '../sessions/sessionManager';
import { serveBridge } from './bridgeLink';
import type { HttpHandler } from './httpEndpoint';

export const MAX_SOCKET_CLIENTS = 512;
const MAX_HELLO_BYTES = 4096;
const HELLO_TIMEOUT_MS = 10_000;

export interface EngineSocket extends Disposable {
  readonly path: string;
  readonly connections: number;
}

export async function listenEngineSocket(path: string, manager: SessionManager, http: HttpHandler, log: (line: string) => void): Promise<EngineSocket> {
  if (process.platform !== 'win32') {
    try {
      unlinkSync(path); // the lock is ours, so a socket file here is a dead engine's
    } catch {
      // none
    }
  }
  const httpServer: HttpServer = createServer((req, res) => void http.handle(req, res, { viaUnixSocket: true }));
  httpServer.keepAliveTimeout = 60_000;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    if (sockets.size >= MAX_SOCKET_CLIENTS) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    sniff(socket);
  });

  const sniff = (socket: Socket) => {
    let buffered: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      if (buffered[0] !== 0x7b /* { */) {
        done();
        socket.unshift(buffered);
        httpServer.emit('connection', socket);
        process.nextTick(() => socket.resume());
        return;
      }
      const nl = buffered.indexOf(10);
      if (nl < 0) {
        if (buffered.length > MAX_HELLO_BYTES) {
          done();
          socket.destroy();
        }
        return;
      }
      done();
      let hello: unknown;
      try {
        hello = JSON.parse(buffered.subarray(0, nl).toString('utf8'));
      } catch {
        hello = null;
      }
      const rest = buffered.subarray(nl + 1);
      if (rest.length) socket.unshift(rest);
      serveBridge(socket, hello, manager, log);
      socket.resume();
    };
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
    };
    socket.on('data', onData);
  };

  await listenPrivate(server, path);
  let disposed = false;
  return {
    path,
    get connections() {
      return sockets.size;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
      server.close();
      httpServer.close();
      if (process.platform !== 'win32') {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}
