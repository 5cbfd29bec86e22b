// The extension's connection: vscode-languageclient over Node IPC. We speak plain vscode-jsonrpc and answer the
// few LSP lifecycle messages the client sends (initialize, initialized, shutdown, exit); Warden is not a language server.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export interface IpcHandlers {
  /** Resolves once the helper can serve requests; the initialize response waits for it. */
  onInitialize(params: { processId?: number | null; initializationOptions?: unknown }): Promise<void>;
  /** LSP `shutdown` (the client stopping us) or `exit`, or the channel closing. */
  onClose(reason: string): void;
}

export function createIpcConnection(handlers: IpcHandlers): MessageConnection {
  if (!process.send) throw new Error('the helper was started without an IPC channel (expected --node-ipc from vscode-languageclient)');
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  connection.onRequest('initialize', async (params: { processId?: number | null; initializationOptions?: unknown }) => {
    await handlers.onInitialize(params);
    return { capabilities: {}, serverInfo: { name: 'mcp-warden-helper', version: '0.1.0' } };
  });
  connection.onNotification('initialized', () => undefined);
  connection.onRequest('shutdown', () => {
    handlers.onClose('the editor asked the helper to shut down');
    return null;
  });
  connection.onNotification('exit', () => handlers.onClose('the editor sent exit'));
  connection.onClose(() => handlers.onClose('the IPC channel to the editor closed'));
  process.on('disconnect', () => handlers.onClose('the IPC channel to the editor closed'));
  return connection;
}
