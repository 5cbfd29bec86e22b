// Starts the per-user engine as the extension reaches it (`mcp-warden daemon --foreground`, here a child of the test so
// its pid is known) and talks to it as a window does: vscode-jsonrpc over the control socket, attached as a window.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { controlSocketPath } from '../../src/helper/control/controlPaths';
import { lockPid } from '../../src/extension/engineConnection';
import { AttachWindowRequest, EventNotification, SnapshotNotification, type WardenEvent, type WardenSnapshot } from '../../src/shared/protocol';
import { repoRoot, tempDir } from './fixtures';
import { waitFor } from './procfs';

export interface HelperHandle {
  /** The engine process (`mcp-warden daemon --foreground`). */
  child: ChildProcess;
  /** This window's connection to it (attached as a window). */
  connection: MessageConnection;
  windowId: string;
  events: WardenEvent[];
  latest: () => WardenSnapshot | undefined;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Closes the window's connection at once (as a killed extension host's socket closes). */
  close: () => void;
}

export async function startHelper(stateDir: string, options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<HelperHandle> {
  // An empty user config of its own: the machine's ~/.config/mcp-warden must not reach the test's engine.
  const configDir = join(tempDir('engine-config'), 'mcp-warden');
  mkdirSync(configDir, { recursive: true });
  const child = spawn(process.execPath, [...(options.execArgv ?? []), join(repoRoot, 'dist/cli.js'), 'daemon', '--foreground', '--state-dir', stateDir, '--idle-exit-sec', '600'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MCP_WARDEN_CONFIG_DIR: configDir, ...options.env },
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const socket = await waitFor('the engine\'s control socket', async () => {
    if (child.exitCode !== null) throw new Error(`the engine exited with ${child.exitCode}: ${err}`);
    if (lockPid(stateDir) !== child.pid) return undefined;
    return new Promise<Socket | undefined>((resolve) => {
      const s = connect(controlSocketPath(stateDir, child.pid));
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
  }, 30_000, 50);
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
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
  socket.on('error', () => undefined);
  connection.listen();
  const { windowId } = await connection.sendRequest(AttachWindowRequest.type, { windowId: randomUUID(), label: 'test window', pid: process.pid });
  return {
    child,
    connection,
    windowId,
    events,
    latest: () => latest,
    stderr: () => err,
    exited,
    close: () => {
      connection.dispose();
      socket.destroy();
    },
  };
}
