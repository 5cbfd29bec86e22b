// A daemon that refused a client, or whose client left early, still leaves by itself when idle and leaves no server
// running: `connect` to an unknown name, a client that leaves while its server is still starting, HTTP /mcp/UNKNOWN and
// /mcp?servers=UNKNOWN, an instance's client cap and the HTTP session cap. Real daemons, real bridges, raw HTTP.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { SeenProcesses, isRunning, killAll, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { cli, INITIALIZE, mcpWarden, wardenHome } from '../../support/wardenClients';

const MARK = `refusals-${process.pid}-${Date.now()}`;
const marked = (name: string) => fixtureServer(name, { WARDEN_TEST_MARK: MARK });
const started = new SeenProcesses();
const track = (pid: number | undefined) => started.add(pid);
const IDLE = { MCP_WARDEN_DAEMON_IDLE_EXIT_SEC: '2' };

after(() => {
  const left = [...new Set([...procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), ...started.alive()])];
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the refusal tests');
});

function lockPid(stateDir: string): number {
  return (JSON.parse(readFileSync(join(stateDir, 'engine.lock'), 'utf8')) as { pid: number }).pid;
}

async function leavesWhenIdle(daemonPid: number): Promise<void> {
  await waitFor('the idle daemon to exit', () => !isRunning(daemonPid), 30_000, 200);
  assert.equal(procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length, 0, 'no server outlived the daemon');
}

/** One HTTP request on the engine's socket: status and session id; an SSE answer (200) is not read to its end. */
function post(socketPath: string, path: string, body: unknown, method = 'POST', sessionId?: string): Promise<{ status: number; sessionId: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        socketPath,
        path,
        method,
        headers: { host: 'localhost', 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
      },
      (res) => {
        const sid = res.headers['mcp-session-id'];
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          // The initialize reply is the first SSE event; the stream may stay open after it.
          if (res.statusCode === 200 && text.includes('\n\n')) {
            resolve({ status: 200, sessionId: typeof sid === 'string' ? sid : undefined, text });
            res.destroy();
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sessionId: typeof sid === 'string' ? sid : undefined, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('refused and early-leaving clients', { timeout: 240_000 }, () => {
  it('connect to an unknown name: refused, and the daemon it started leaves when idle', async () => {
    const home = wardenHome('refuse-connect', { one: marked('well-behaved') });
    const env = { ...home.env, ...IDLE };
    const r = spawnSync(process.execPath, [cli, 'connect', 'nope', '--state-dir', home.stateDir], { encoding: 'utf8', env, input: '', timeout: 30_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /No server named "nope"/);
    const daemonPid = lockPid(home.stateDir);
    track(daemonPid);
    await leavesWhenIdle(daemonPid);
  });

  it('a connect client that sends initialize and leaves at once: the server started for it stops, the daemon leaves when idle', async () => {
    const home = wardenHome('leave-starting', { one: marked('well-behaved') });
    const env = { ...home.env, ...IDLE };
    const bridge = spawn(process.execPath, [cli, 'connect', 'one', '--state-dir', home.stateDir], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    track(bridge.pid);
    bridge.stdin.end(`${JSON.stringify(INITIALIZE)}\n`);
    await new Promise((resolve) => bridge.once('exit', resolve));
    const daemonPid = lockPid(home.stateDir);
    track(daemonPid);
    // The server did start for it (the bridge was gone before the handshake could finish).
    const log = () => readFileSync(join(home.stateDir, 'daemon.log'), 'utf8');
    await waitFor('the server to be started for the client', () => /`one` is starting/.test(log()), 15_000, 100);
    await leavesWhenIdle(daemonPid);
    assert.match(log(), /`one` is stopped/);
  });

  it('HTTP: /mcp/UNKNOWN and /mcp?servers=UNKNOWN get 404, an instance full of clients and the session cap refuse; after DELETE the daemon leaves when idle', async () => {
    const home = wardenHome('refuse-http', { one: marked('well-behaved'), two: marked('well-behaved') });
    const env = { ...home.env, ...IDLE };
    const d = mcpWarden(env, 'daemon', '--state-dir', home.stateDir);
    assert.equal(d.status, 0, d.stderr);
    const daemonPid = lockPid(home.stateDir);
    track(daemonPid);
    const sock = join(home.stateDir, 'engine.sock');
    const unknown = await post(sock, '/mcp/nope', INITIALIZE);
    assert.equal(unknown.status, 404);
    assert.match((JSON.parse(unknown.text) as { error: { message: string } }).error.message, /No server named "nope"/);
    const gw = await post(sock, '/mcp?servers=nope', INITIALIZE);
    assert.equal(gw.status, 404);
    // 64 clients fill one instance; the 65th is refused with a sentence; 64 more on `two` reach the 128 HTTP sessions.
    const ids: string[] = [];
    for (const server of ['one', 'two']) {
      for (let i = 0; i < 64; i++) {
        const r = await post(sock, `/mcp/${server}`, INITIALIZE);
        assert.equal(r.status, 200, `session ${i} of ${server}: ${r.text}`);
        ids.push(`${server} ${r.sessionId}`);
      }
      if (server === 'one') {
        const full = await post(sock, '/mcp/one', INITIALIZE);
        assert.match(full.text, /already serves 64 clients/);
      }
    }
    const capped = await post(sock, '/mcp/one', INITIALIZE);
    assert.equal(capped.status, 503);
    assert.match(capped.text, /already holds 128 HTTP sessions/);
    for (const entry of ids) {
      const [server, sid] = entry.split(' ');
      assert.equal((await post(sock, `/mcp/${server}`, undefined, 'DELETE', sid)).status, 200);
    }
    await leavesWhenIdle(daemonPid);
  });
});
