// Starts dist/helper.js as the extension does (fork with IPC) and talks to it with vscode-jsonrpc.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { EventNotification, SnapshotNotification, type WardenEvent, type WardenSnapshot } from '../../src/shared/protocol';
import { repoRoot } from './fixtures';

export interface HelperHandle {
  child: ChildProcess;
  connection: MessageConnection;
  events: WardenEvent[];
  latest: () => WardenSnapshot | undefined;
  stderr: () => string;
  exited: Promise<number | null>;
}

export async function startHelper(stateDir: string, options: { execArgv?: string[]; detached?: boolean } = {}): Promise<HelperHandle> {
  const child = fork(join(repoRoot, 'dist/helper.js'), ['--state-dir', stateDir, '--node-ipc', `--clientProcessId=${process.pid}`], {
    execPath: process.execPath,
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: options.detached ?? false,
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const events: WardenEvent[] = [];
  let latest: WardenSnapshot | undefined;
  connection.onNotification(EventNotification.type, (e) => {
    events.push(e);
    if (events.length > 2000) events.shift();
  });
  connection.onNotification(SnapshotNotification.type, (s) => {
    latest = s;
  });
  connection.onError(() => undefined);
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, capabilities: {}, rootUri: null });
  await connection.sendNotification('initialized', {});
  return { child, connection, events, latest: () => latest, stderr: () => err, exited };
}
