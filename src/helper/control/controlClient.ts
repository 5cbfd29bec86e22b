// The CLI's side of the control socket: connect to a running helper and send protocol requests.
import { connect } from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { WardenError } from '../../shared/errors';
import { assertPrivateDir } from '../platform/privatePaths';
import { listHelpers, type HelperPointer } from './controlPaths';

export interface ControlConnection {
  helper: HelperPointer;
  connection: MessageConnection;
  close(): void;
}

export async function connectToHelper(stateDir: string, pid?: number): Promise<ControlConnection> {
  // A socket in a directory someone else controls may be theirs: tool calls and their arguments would go to them.
  try {
    assertPrivateDir(stateDir, 'state directory');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const helpers = listHelpers(stateDir);
  const helper = pid ? helpers.find((h) => h.pid === pid) : helpers[0];
  if (!helper) {
    const why = pid ? `no running MCP Warden helper with pid ${pid} in ${stateDir}` : `no running MCP Warden helper in ${stateDir}`;
    throw new WardenError('HELPER_UNAVAILABLE', `${why}; start one with \`mcp-warden run --config FILE\` or open VS Code with MCP Warden.`);
  }
  const socket = connect(helper.socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err) => reject(new WardenError('HELPER_UNAVAILABLE', `cannot connect to the helper ${helper.pid} at ${helper.socket}: ${err.message}`)));
  });
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  connection.listen();
  return {
    helper,
    connection,
    close() {
      connection.dispose();
      socket.destroy();
    },
  };
}
