// The control socket: the same protocol as the extension's IPC connection, for `mcp-warden status|start|stop|call`
// in a terminal. A Unix socket (0600) in the 0700 state dir, or a per-user named pipe on Windows.
import { chmodSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { DisposableStore, type Disposable } from '../../shared/disposable';
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  if (process.platform !== 'win32') chmodSync(path, 0o600);
  const pointers = pointerDir(stateDir);
  mkdirSync(pointers, { recursive: true, mode: 0o700 });
  const pointerFile = join(pointers, `${process.pid}.json`);
  const pointer: HelperPointer = { pid: process.pid, socket: path, startedAt: Date.now(), ...info };
  writeFileSync(pointerFile, JSON.stringify(pointer), { mode: 0o600 });

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
