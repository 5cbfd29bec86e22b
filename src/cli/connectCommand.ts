// `mcp-warden connect NAME`: the stdio bridge for clients that only spawn commands. It copies bytes between its stdio
// and the engine's socket (starting a daemon when none answers) and owns nothing: the engine runs the server. It
// leaves when stdin closes, when its parent dies, or when the engine goes away (saying so on stderr). Kept small:
// node:net and node:child_process only, no SDK, no JSON-RPC parsing.
import { connect, type Socket } from 'node:net';
import { engineSocketPath } from '../helper/endpoints/paths';
import { DAEMON_START_TIMEOUT_MS, spawnDaemon } from './daemonSpawn';

const PARENT_POLL_MS = 1000;

function tryConnect(path: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', () => {
      s.destroy();
      resolve(null);
    });
  });
}

async function reachEngine(stateDir: string): Promise<Socket> {
  const path = engineSocketPath(stateDir);
  const first = await tryConnect(path);
  if (first) return first;
  spawnDaemon(stateDir);
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const s = await tryConnect(path);
    if (s) return s;
  }
  throw new Error(`no MCP Warden engine answers on ${path}, and one started for it did not answer within ${DAEMON_START_TIMEOUT_MS / 1000} s (see daemon.log in ${stateDir})`);
}

/** Reads the engine's one-line reply; whatever follows it is MCP and goes to stdout. */
function readReply(socket: Socket): Promise<{ reply: Record<string, unknown>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > 8192) fail(new Error('the engine sent no reply line'));
        return;
      }
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      try {
        resolve({ reply: JSON.parse(buf.subarray(0, nl).toString('utf8')) as Record<string, unknown>, rest: buf.subarray(nl + 1) });
      } catch {
        reject(new Error('the engine sent an unreadable reply'));
      }
    };
    const onClose = () => fail(new Error('the engine closed the connection before replying'));
    const fail = (err: Error) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      reject(err);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** `gateway`: `mcp-warden gateway` — the same bridge, asking the engine for the gateway over `servers` (null: all). */
export async function runConnect(name: string, stateDir: string, gateway?: { servers: string[] | null }): Promise<number> {
  const who = gateway ? 'gateway' : `connect ${name}`;
  const fail = (message: string) => {
    process.stderr.write(`mcp-warden ${who}: ${message}\n`);
    return 1;
  };
  let socket: Socket;
  try {
    socket = await reachEngine(stateDir);
  } catch (err) {
    return fail((err as Error).message);
  }
  const hello = gateway ? { wardenConnect: 1, gateway: 1, ...(gateway.servers ? { servers: gateway.servers } : {}) } : { wardenConnect: 1, server: name };
  socket.write(`${JSON.stringify({ ...hello, pid: process.pid, clientPid: process.ppid })}\n`);
  let reply: Record<string, unknown>;
  let rest: Buffer;
  try {
    ({ reply, rest } = await readReply(socket));
  } catch (err) {
    socket.destroy();
    return fail((err as Error).message);
  }
  if (reply.wardenError) {
    socket.destroy();
    return fail((reply.wardenError as { message: string }).message);
  }
  const enginePid = reply.enginePid;
  return new Promise<number>((resolve) => {
    let stdinEnded = false;
    let done = false;
    const finish = (code: number, message?: string) => {
      if (done) return;
      done = true;
      clearInterval(parentTimer);
      if (message) process.stderr.write(`mcp-warden ${who}: ${message}\n`);
      socket.destroy();
      process.stdin.destroy();
      resolve(code);
    };
    const originalPpid = process.ppid;
    const parentTimer = setInterval(() => {
      if (process.ppid !== originalPpid) finish(0, `its parent process ${originalPpid} is gone; closing`);
    }, PARENT_POLL_MS);
    parentTimer.unref();
    if (rest.length) process.stdout.write(rest);
    socket.pipe(process.stdout, { end: false });
    process.stdin.pipe(socket, { end: false });
    process.stdin.once('end', () => {
      stdinEnded = true;
      socket.end();
    });
    process.stdin.once('error', () => finish(0));
    process.stdout.on('error', () => finish(0));
    socket.once('close', () => {
      if (stdinEnded) finish(0);
      else finish(1, `the MCP Warden engine (pid ${String(enginePid)}) closed the connection; ${gateway ? 'the gateway is' : `\`${name}\` is`} no longer reachable through it. Restart the client to reconnect.`);
    });
    socket.on('error', () => undefined);
    socket.resume();
  });
}
