// Reaches the per-user engine on a state dir for the extension: the lock holder's control socket, or, when no engine
// answers, `mcp-warden daemon` started (detached, on the extension's Node runtime) and then its socket. vscode-free.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { WardenError } from '../shared/errors';
import { controlSocketPath } from '../helper/control/controlPaths';
import { readLockHolder } from '../helper/daemon/engineLock';
import { engineLockPath } from '../helper/endpoints/paths';

/** How long `mcp-warden daemon` may take to answer (it waits for the engine's socket itself, up to 15 s). */
export const DAEMON_START_WAIT_MS = 20_000;
/** The engine an editor started leaves this long after its last window closed with nothing else using it. */
export const EDITOR_DAEMON_IDLE_EXIT_SEC = 10;

export interface EngineLaunch {
  /** The Node that runs the engine (runtime.ts: one that can load better-sqlite3) and the env it needs. */
  nodePath: string;
  env: Record<string, string>;
  /** dist/cli.js of the installed extension. */
  cliModule: string;
  stateDir: string;
  idleExitSec?: number;
}

export interface EngineLink {
  connection: MessageConnection;
  enginePid: number;
  /** True when this call started the engine. */
  started: boolean;
  close(): void;
  /** Settles when the socket closes (the engine exited, or close()). */
  closed: Promise<void>;
}

/** The pid in the state dir's engine lock, or null (none, unreadable). */
export function lockPid(stateDir: string): number | null {
  const h = readLockHolder(engineLockPath(stateDir));
  return h && Number.isInteger(h.pid) && h.pid > 0 ? h.pid : null;
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** The lock holder's control socket, connected; null when no engine answers there. */
async function tryConnect(stateDir: string): Promise<{ socket: Socket; pid: number } | null> {
  const pid = lockPid(stateDir);
  if (!pid) return null;
  try {
    return { socket: await openSocket(controlSocketPath(stateDir, pid)), pid };
  } catch {
    // A stale lock (the engine was killed) or one still starting: start or wait for one.
    return null;
  }
}

/** Runs `mcp-warden daemon` (which starts the engine detached and waits for its socket); resolves with its verdict. */
function startDaemon(launch: EngineLaunch): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      launch.nodePath,
      [launch.cliModule, 'daemon', '--state-dir', launch.stateDir, '--idle-exit-sec', String(launch.idleExitSec ?? EDITOR_DAEMON_IDLE_EXIT_SEC)],
      { env: { ...process.env, ...launch.env }, stdio: ['ignore', 'ignore', 'pipe'], shell: false, windowsHide: true },
    );
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    }, DAEMON_START_WAIT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stderr: err.message });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: stderr.trim() });
    });
  });
}

/** Connects to the engine on `launch.stateDir`, starting it when none answers. Throws a WardenError saying why not. */
export async function connectEngine(launch: EngineLaunch): Promise<EngineLink> {
  let started = false;
  let found = await tryConnect(launch.stateDir);
  if (!found) {
    const r = await startDaemon(launch);
    // Exit 1 may only mean another window started it first: whoever holds the lock now is the one to use.
    found = await tryConnect(launch.stateDir);
    if (!found) {
      throw new WardenError(
        'HELPER_UNAVAILABLE',
        `MCP Warden's engine did not start on ${launch.stateDir}${r.stderr ? `: ${r.stderr.replace(/^mcp-warden daemon: /, '')}` : ` (exit code ${r.code})`}. See ${launch.stateDir}/daemon.log.`,
      );
    }
    started = r.code === 0;
  }
  const { socket, pid } = found;
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  connection.onError(() => undefined);
  return {
    connection,
    enginePid: pid,
    started,
    closed,
    close() {
      connection.dispose();
      socket.destroy();
    },
  };
}
