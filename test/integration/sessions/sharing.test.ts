// Shared and per-client instances with real bridges and a real engine: one server tree for two clients, each with
// its own replies, progress and cancellation; perClient and other roots get their own trees; server requests go to the
// client in flight; caps per client; every session map is empty afterwards; 1,000 sessions leave the engine flat.
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { SeenProcesses, isRunning, killAll, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { connectThroughBridge, startEngineProcess, wardenHome, type BridgeClient, type EngineHandle } from '../../support/wardenClients';

const MARK = `sharing-${process.pid}-${Date.now()}`;
const marked = (name: string, who: string, warden?: Record<string, unknown>) => fixtureServer(name, { WARDEN_TEST_MARK: MARK, WARDEN_TEST_WHO: `${MARK}-${who}` }, warden);
const home = wardenHome('sharing', {
  shared: marked('sessions', 'shared'),
  solo: marked('sessions', 'solo', { instances: 'perClient' }),
  capped: marked('sessions', 'capped', { maxInFlightPerClient: 2 }),
  tiny: marked('tiny', 'tiny'),
});
let engine: EngineHandle;
let socketPath = '';
let lastInitialize: Record<string, unknown> | undefined;
const clients: BridgeClient[] = [];
// pid + start time: a pid reused by another process after ours exited is not ours to report or kill.
const pids = new SeenProcesses();

const treeOf = (who: string) => procsWithEnvMarker('WARDEN_TEST_WHO', `${MARK}-${who}`);
const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]!.text);

async function client(name: string, options: Parameters<typeof connectThroughBridge>[3] = {}): Promise<BridgeClient> {
  const c = await connectThroughBridge(home.stateDir, home.env, name, options);
  clients.push(c);
  pids.add(c.bridgePid);
  return c;
}

before(async () => {
  engine = await startEngineProcess(home.stateDir, home.env, { execArgv: ['--expose-gc'] });
  pids.add(engine.child.pid!);
  socketPath = engine.status().endpoints.unixSocket!;
});

after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  if (engine.child.exitCode === null) {
    engine.child.kill('SIGTERM');
    await waitFor('the engine to exit', () => engine.child.exitCode !== null, 15_000);
  }
  const left = [...procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), ...pids.alive()];
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the sharing tests');
});

describe('a shared instance', { timeout: 180_000 }, () => {
  it('serves two clients from one server tree, each with its own replies, progress and cancellation', async () => {
    const a = await client('shared');
    const b = await client('shared');
    // One process for both (`run` started it; both sessions attached to it).
    assert.equal(treeOf('shared').length, 1);
    const serverPid = JSON.parse(text(await a.client.callTool({ name: 'stats', arguments: {} }))).pid;
    assert.equal(JSON.parse(text(await b.client.callTool({ name: 'stats', arguments: {} }))).pid, serverPid);

    // Concurrent calls with the same JSON-RPC ids on both sides: each gets its own reply.
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).client.callTool({ name: 'echo', arguments: { text: `${i % 2 ? 'a' : 'b'}${i}` } })));
    replies.forEach((r, i) => assert.equal(text(r), `${i % 2 ? 'a' : 'b'}${i}`));

    // Progress reaches the client whose request it is.
    const progressA: string[] = [];
    const progressB: string[] = [];
    const [ra, rb] = await Promise.all([
      a.client.callTool({ name: 'slow', arguments: { ms: 20, steps: 3, tag: 'A' } }, undefined, { onprogress: (p) => progressA.push(`${p.message}${p.progress}`) }),
      b.client.callTool({ name: 'slow', arguments: { ms: 20, steps: 3, tag: 'B' } }, undefined, { onprogress: (p) => progressB.push(`${p.message}${p.progress}`) }),
    ]);
    assert.equal(text(ra), 'done A');
    assert.equal(text(rb), 'done B');
    assert.deepEqual(progressA, ['A1', 'A2', 'A3']);
    assert.deepEqual(progressB, ['B1', 'B2', 'B3']);

    // A cancels its own request; B's, running at the same time, completes.
    const before = JSON.parse(text(await a.client.callTool({ name: 'stats', arguments: {} })));
    const abort = new AbortController();
    const cancelled = a.client.callTool({ name: 'slow', arguments: { ms: 100, steps: 10, tag: 'A' } }, undefined, { signal: abort.signal });
    const survivor = b.client.callTool({ name: 'slow', arguments: { ms: 100, steps: 6, tag: 'B' } });
    setTimeout(() => abort.abort('test cancels A'), 250);
    await assert.rejects(cancelled);
    assert.equal(text(await survivor), 'done B');
    const after = await waitFor('the server to see one cancel', async () => {
      const s = JSON.parse(text(await b.client.callTool({ name: 'stats', arguments: {} })));
      return s.cancelled === before.cancelled + 1 ? s : null;
    }, 10_000, 100);
    assert.equal(after.completed, before.completed + 1, "only B's slow call completed");

    await a.close();
    await b.close();
    await waitFor('both sessions to end', async () => (await engine.sessions()).sizes.sessions === 0, 10_000);
    assert.equal(treeOf('shared').length, 1, '`run` started it, so it keeps running');
  });

  it('passes methods Warden does not know through to the server unchanged', async () => {
    const reply = await rawExchange('tiny', [{ jsonrpc: '2.0', id: 7, method: 'custom/whatever', params: { x: 1 } }]);
    // tiny answers unknown methods with its own message: the request reached it, id restored.
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'no method custom/whatever' } });
    // The client asked for 2025-06-18 (Warden's own client asked the server for the newest): it gets its own version.
    assert.equal(lastInitialize?.protocolVersion, '2025-06-18');
    assert.deepEqual(lastInitialize?.serverInfo, { name: 'tiny', version: '1.0.0' });
  });

  it('caps each client at maxInFlightPerClient requests in flight', async () => {
    const c = await client('capped');
    const slow = () => c.client.callTool({ name: 'slow', arguments: { ms: 100, steps: 3 } });
    const results = await Promise.allSettled([slow(), slow(), slow()]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.match(String(refused.reason), /maxInFlightPerClient = 2/);
    await c.close();
  });
});

describe('instances of their own', { timeout: 180_000 }, () => {
  it('gives a perClient server one tree per client, stopped when its client leaves', async () => {
    const a = await client('solo');
    const b = await client('solo');
    const pa = JSON.parse(text(await a.client.callTool({ name: 'stats', arguments: {} }))).pid;
    const pb = JSON.parse(text(await b.client.callTool({ name: 'stats', arguments: {} }))).pid;
    assert.notEqual(pa, pb);
    assert.ok(isRunning(pa) && isRunning(pb));
    const names = (await engine.sessions()).instances.filter((i) => i.instanceOf === 'solo').map((i) => i.server);
    assert.equal(names.length, 2);
    await a.close();
    await waitFor("a's instance to stop", () => !isRunning(pa), 10_000);
    assert.ok(isRunning(pb), "b's instance keeps running");
    await b.close();
    await waitFor("b's instance to stop", () => !isRunning(pb), 10_000);
    assert.ok(!engine.status().servers.some((s) => s.name.startsWith('solo#')), 'added instances are forgotten');
  });

  it('never shares an instance between different roots; the server sees its own client\'s roots', async () => {
    const a = await client('shared', { roots: ['file:///work/a'] });
    const b = await client('shared', { roots: ['file:///work/b'] });
    const a2 = await client('shared', { roots: ['file:///work/a'] });
    const [sa, sb, sa2] = await Promise.all([a, b, a2].map(async (c) => JSON.parse(text(await c.client.callTool({ name: 'stats', arguments: {} }))).pid));
    assert.notEqual(sa, sb, 'workspace B gets its own process');
    assert.equal(sa, sa2, 'two clients of workspace A share one');
    assert.deepEqual(JSON.parse(text(await a.client.callTool({ name: 'roots', arguments: {} }))), ['file:///work/a']);
    assert.deepEqual(JSON.parse(text(await b.client.callTool({ name: 'roots', arguments: {} }))), ['file:///work/b']);
    for (const c of [a, b, a2]) await c.close();
    await waitFor('the roots instances to stop', () => !isRunning(sa) && !isRunning(sb), 10_000);
  });

  it('follows notifications/roots/list_changed: other roots move the session to their own instance; the old one stops', async () => {
    const roots = ['file:///work/c'];
    const c = await client('shared', { roots });
    const before = JSON.parse(text(await c.client.callTool({ name: 'stats', arguments: {} }))).pid as number;
    assert.deepEqual(JSON.parse(text(await c.client.callTool({ name: 'roots', arguments: {} }))), ['file:///work/c']);
    roots.splice(0, 1, 'file:///work/d');
    await c.client.sendRootsListChanged();
    // The next call is served by the instance of the new roots (it may be queued while the session moves).
    assert.deepEqual(JSON.parse(text(await c.client.callTool({ name: 'roots', arguments: {} }))), ['file:///work/d']);
    const after = JSON.parse(text(await c.client.callTool({ name: 'stats', arguments: {} }))).pid as number;
    assert.notEqual(after, before, 'workspace D is another process');
    await waitFor('the instance of the old roots to stop', () => !isRunning(before), 10_000);
    // The same roots again: nothing moves.
    await c.client.sendRootsListChanged();
    assert.equal(JSON.parse(text(await c.client.callTool({ name: 'stats', arguments: {} }))).pid, after);
    await c.close();
    await waitFor('its instance to stop', () => !isRunning(after), 10_000);
  });

  it('relays sampling to the client whose request is in flight', async () => {
    const a = await client('solo', { sampling: 'from A' });
    assert.equal(text(await a.client.callTool({ name: 'sample', arguments: { prompt: 'hi' } })), 'sampled: from A');
    const plain = await client('solo');
    const r = await plain.client.callTool({ name: 'sample', arguments: { prompt: 'hi' } });
    assert.equal(r.isError, true);
    assert.match(text(r), /does not support sampling/);
    await a.close();
    await plain.close();
  });
});

describe('bounded', { timeout: 180_000 }, () => {
  it('empties every session map when the sessions end', async () => {
    await waitFor('no sessions', async () => (await engine.sessions()).sizes.sessions === 0, 10_000);
    const { sizes } = await engine.sessions();
    assert.deepEqual(
      Object.fromEntries(Object.entries(sizes).filter(([k]) => k !== 'initCache')),
      { sessions: 0, instances: 0, attached: 0, requests: 0, clientIds: 0, relayed: 0, queued: 0 },
    );
  });

  it('1,000 connect/call/disconnect cycles leave heap, handles and every map flat', { timeout: 300_000 }, async () => {
    const cycle = () => rawExchange('tiny', [{ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ping', arguments: {} } }]);
    for (let i = 0; i < 100; i++) await cycle(); // warm-up
    const start = await settled();
    for (let i = 0; i < 1000; i++) {
      const r = (await cycle()) as { result?: { content: { text: string }[] } };
      assert.equal(r.result?.content[0]?.text, 'pong');
    }
    const end = await settled();
    assert.deepEqual(Object.fromEntries(Object.entries(end.sizes).filter(([k]) => k !== 'initCache')), { sessions: 0, instances: 0, attached: 0, requests: 0, clientIds: 0, relayed: 0, queued: 0 });
    assert.ok(end.activeResources <= start.activeResources + 2, `handles grew: ${start.activeResources} → ${end.activeResources}`);
    const growthMB = (end.heapUsedBytes - start.heapUsedBytes) / 1024 / 1024;
    // After a full GC (the engine runs with --expose-gc): one leaked session of ~2 KB each would be 2 MB.
    assert.ok(growthMB < 1, `heap grew by ${growthMB.toFixed(1)} MB over 1,000 sessions`);
  });
});

/** What the engine looks like once the last session has gone (heap after the engine's own GC has had a chance). */
async function settled() {
  await waitFor('no sessions', async () => (await engine.sessions()).sizes.sessions === 0, 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  return engine.sessions();
}

/**
 * One session over the engine socket with the bridge's own framing (what `connect` sends), in this process: hello,
 * initialize, initialized, then `messages`; returns the reply to the last one and closes.
 */
function rawExchange(server: string, messages: object[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(socketPath);
    let buf = '';
    let stage = 0;
    const lines: string[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply from ${server}: ${buf}`));
    }, 15_000);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      while (lines.length) {
        const msg = JSON.parse(lines.shift()!) as Record<string, unknown>;
        if (stage === 0) {
          if (!msg.wardenConnected) return reject(new Error(JSON.stringify(msg)));
          stage = 1;
          socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
        } else if (stage === 1 && msg.id === 1) {
          lastInitialize = msg.result as Record<string, unknown>;
          stage = 2;
          socket.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
          for (const m of messages) socket.write(`${JSON.stringify(m)}\n`);
        } else if (stage === 2 && msg.id === (messages[messages.length - 1] as { id: unknown }).id) {
          clearTimeout(timer);
          socket.end();
          resolve(msg);
        }
      }
    });
    socket.on('error', reject);
    socket.write(`${JSON.stringify({ wardenConnect: 1, server })}\n`);
  });
}
