// The control socket: the same protocol as the extension's IPC connection, for `mcp-warden status|start|stop|call`
// in a terminal. A Unix socket (0600) in the 0700 state dir, or a per-user named pipe on Windows.
//
// Who may connect: Node's net module exposes no peer credentials (no SO_PEERCRED / getpeereid), and Linux shows a Unix
// socket's peer only through sock_diag netlink (what `ss -xp` reads), which Node cannot open either. So the guard is the
// kernel's own: connect(2) on a Unix socket needs write permission on the socket file, which is 0600 (created under a
// 0177 umask, so never wider even for an instant) inside the state dir, which is checked to be ours alone and 0700.
import { unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { DisposableStore, type Disposable } from '../../shared/disposable';
import { ensurePrivateDir, writeFileAtomic } from '../platform/privatePaths';
import { listenPrivate } from '../platform/listenPrivate';
import type { RequestHost } from '../rpc/requestHost';
import { controlSocketPath, pointerDir, type HelperPointer } from './controlPaths';

export const MAX_CONTROL_CLIENTS = 16;

export interface ControlServer extends Disposable {
  readonly path: string;
}

/** `register` wires handlers onto each new connection and returns what to dispose when it closes. */
export async function startControlServer(
  stateDir: string,
  info: Omit<HelperPointer, 'pid' | 'socket' | 'startedAt'>,
  register: (host: RequestHost, connection: MessageConnection) => Disposable,
): Promise<ControlServer> {
  const path = controlSocketPath(stateDir);
  if (process.platform !== 'win32') {
    try {
      unlinkSync(path); // a stale socket of an earlier helper with our pid
    } catch {
      // none
    }
  }
  const clients = new Set<Socket>();
  const perClient = new Map<Socket, Disposable>();
  const server: Server = createServer((socket) => {
    if (clients.size >= MAX_CONTROL_CLIENTS) {
      socket.end();
      return;
    }
    clients.add(socket);
    const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    const store = new DisposableStore();
    store.add(register(connection as unknown as RequestHost, connection));
    perClient.set(socket, store);
    const close = () => {
      if (!clients.delete(socket)) return;
      perClient.get(socket)?.dispose();
      perClient.delete(socket);
      connection.dispose();
      socket.destroy();
    };
    socket.on('close', close);
    socket.on('error', close);
    connection.listen();
  });
  await listenPrivate(server, path);
  const pointers = ensurePrivateDir(pointerDir(stateDir), 'helpers directory');
  const pointerFile = join(pointers, `${process.pid}.json`);
  const pointer: HelperPointer = { pid: process.pid, socket: path, startedAt: Date.now(), ...info };
  writeFileAtomic(pointerFile, JSON.stringify(pointer));

  let disposed = false;
  return {
    path,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of [...clients]) s.destroy();
      for (const d of perClient.values()) d.dispose();
      perClient.clear();
      server.close();
      for (const f of [pointerFile, ...(process.platform === 'win32' ? [] : [path])]) {
        try {
          unlinkSync(f);
        } catch {
          // already gone
        }
      }
    },
  };
}
