// The supervisor against real fixture servers: handshake, tools, stop order, caps and restart intensity.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { WardenError } from '../../../src/shared/errors';
import { fixtureServer } from '../../support/fixtures';
import { isRunning, killAll, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { createHarness, type Harness } from '../../support/supervisorHarness';

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function harness(label: string, ...rest: Parameters<typeof createHarness> extends [string, ...infer R] ? R : never) {
  const h = await createHarness(label, ...rest);
  harnesses.push(h);
  return h;
}

describe('supervisor lifecycle', () => {
  it('completes the MCP handshake, lists tools and calls one', async () => {
    const h = await harness('basic');
    await h.configure({ good: fixtureServer('well-behaved') });
    await h.waitState('good', 'running');
    const snap = h.supervisor.snapshot().servers[0]!;
    assert.deepEqual(snap.tools.map((t) => t.name).sort(), ['add', 'echo', 'sleep']);
    const r = await h.supervisor.callTool({ name: 'good', tool: 'add', arguments: { a: 2, b: 3 } });
    assert.deepEqual(r.content, [{ type: 'text', text: '5' }]);
    await h.supervisor.stop('good');
  });

  it('counts children and stops the whole tree, including a setsid grandchild, leaving zero processes', async () => {
    const h = await harness('tree');
    await h.configure({ tree: fixtureServer('grandchildren') });
    await h.waitState('tree', 'running');
    const r = await h.supervisor.callTool({ name: 'tree', tool: 'pids' });
    const { escaped } = JSON.parse((r.content[0] as { text: string }).text) as { escaped: number };
    // 2 children + 2 grandchildren; the setsid one is found through the tree and then tracked.
    await waitFor('4 children sampled', () => h.supervisor.snapshot().servers[0]!.children === 4);
    const pids = await h.treePids('tree');
    assert.equal(pids.length, 5);
    assert.ok(pids.includes(escaped));
    const res = await h.supervisor.stop('tree');
    assert.deepEqual(res.survivors, []);
    for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} survived`);
  });

  it('samples at the handshake: a setsid grandchild whose parent exits before any periodic sample is still killed', async () => {
    const h = await harness('handshake-sample', { sampleIntervalMs: 60_000 });
    const marker = `handshake-sample-${process.pid}-${Date.now()}`;
    const left = () => procsWithEnvMarker('WARDEN_TEST_MARKER', marker);
    try {
      await h.configure({ tree: fixtureServer('grandchildren', { ESCAPED_EXIT_AFTER_MS: '3000', WARDEN_TEST_MARKER: marker }) });
      await h.waitState('tree', 'running');
      const r = await h.supervisor.callTool({ name: 'tree', tool: 'pids' });
      const { escaped } = JSON.parse((r.content[0] as { text: string }).text) as { escaped: number };
      await waitFor('the setsid child to exit, orphaning its grandchild', () => !isRunning(escaped), 15_000);
      const res = await h.supervisor.stop('tree');
      assert.deepEqual(res.survivors, []);
      assert.deepEqual(left().map((p) => p.cmdline), [], 'no process of this server survives');
    } finally {
      killAll(left().map((p) => p.pid));
    }
  });

  it('kills the children a server orphans on stdin EOF even before any sample saw them', async () => {
    const h = await harness('unsampled', { sampleIntervalMs: 60_000 });
    await h.configure({ quick: fixtureServer('well-behaved', { CHILDREN: '3' }) });
    await h.waitState('quick', 'running');
    const pids = await waitFor('3 children in the OS table', async () => {
      const p = await h.treePids('quick');
      return p.length === 4 ? p : undefined;
    });
    // The sample taken at the handshake may have seen them: forget it, to prove the process group alone suffices.
    h.supervisor.managed('quick')!.tracked.clear();
    const res = await h.supervisor.stop('quick');
    assert.deepEqual(res.survivors, []);
    for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} survived`);
  });

  it('SIGKILLs a server that ignores SIGTERM and stdin EOF after the grace period', async () => {
    const h = await harness('stubborn');
    await h.configure({ stubborn: fixtureServer('stubborn', {}, { shutdownGraceMs: 800 }) });
    await h.waitState('stubborn', 'running');
    const pids = await h.treePids('stubborn');
    const t0 = Date.now();
    const res = await h.supervisor.stop('stubborn');
    const ms = Date.now() - t0;
    assert.deepEqual(res.survivors, []);
    assert.ok(ms >= 700, `stopped after ${ms} ms: should have waited for the grace period`);
    for (const pid of pids) assert.equal(isRunning(pid), false);
  });

  it('restarts a crashing server within the restart intensity, then gives up as failed', async () => {
    const h = await harness('crash');
    await h.configure({ crashy: fixtureServer('crash-after-handshake', { CRASH_AFTER_MS: '100' }, { maxRestarts: 2, restartWindowSec: 60 }) });
    const giveUp = await h.waitEvent((e) => e.code === 'CAP_RESTART_INTENSITY', 'restart intensity give-up', 30_000);
    assert.equal(giveUp.action, 'give-up');
    assert.match(giveUp.message, /gave up/);
    const s = h.supervisor.snapshot().servers[0]!;
    assert.equal(s.state, 'failed');
    assert.equal(s.restarts, 2);
    // No restart loop afterwards.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(h.supervisor.snapshot().servers[0]!.restarts, 2);
    assert.equal(h.supervisor.snapshot().servers[0]!.pid, null);
  });

  it('times out a hung tool call and leaves no pending entry; bounds in-flight requests', async () => {
    const h = await harness('hung');
    await h.configure({ slow: fixtureServer('well-behaved', {}, { maxInFlightRequests: 2 }) });
    await h.waitState('slow', 'running');
    const hung = h.supervisor.callTool({ name: 'slow', tool: 'sleep', arguments: { ms: 60_000 }, timeoutMs: 400 });
    const second = h.supervisor.callTool({ name: 'slow', tool: 'sleep', arguments: { ms: 60_000 }, timeoutMs: 400 });
    await assert.rejects(h.supervisor.callTool({ name: 'slow', tool: 'echo', arguments: { text: 'x' } }), (e: WardenError) => e.code === 'CAP_IN_FLIGHT');
    await assert.rejects(hung, (e: WardenError) => e.code === 'REQUEST_TIMEOUT');
    await assert.rejects(second, (e: WardenError) => e.code === 'REQUEST_TIMEOUT');
    const sizes = h.supervisor.internalSizes();
    assert.equal(sizes.pending, 0);
    assert.equal(sizes.inFlight, 0);
    // The server is still usable.
    const ok = await h.supervisor.callTool({ name: 'slow', tool: 'echo', arguments: { text: 'still here' } });
    assert.deepEqual(ok.content, [{ type: 'text', text: 'still here' }]);
  });

  it('refuses to start more than maxServers with an error naming the cap', async () => {
    const h = await harness('max', { maxServers: 1 });
    await h.configure({ one: fixtureServer('well-behaved'), two: fixtureServer('well-behaved') });
    await h.waitState('one', 'running');
    const refused = await h.waitEvent((e) => e.code === 'CAP_MAX_SERVERS', 'maxServers refusal');
    assert.match(refused.message, /maxServers = 1/);
    await assert.rejects(h.supervisor.start('two'), (e: WardenError) => e.code === 'CAP_MAX_SERVERS' && /maxServers/.test(e.message));
  });

  it('survives a server printing garbage and a 20 MB line, and keeps answering', async () => {
    const h = await harness('garbage');
    const rssBefore = process.memoryUsage().rss;
    await h.configure({ noisy: fixtureServer('garbage') });
    await h.waitState('noisy', 'running');
    const r = await h.supervisor.callTool({ name: 'noisy', tool: 'echo', arguments: { text: 'ok' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'ok' }]);
    const logs = h.supervisor.logs('noisy').join('\n');
    assert.match(logs, /not JSON-RPC/);
    assert.match(logs, /discarded/);
    assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024);
  });

  it('reports a program that is not an MCP server as a failed handshake and leaves nothing running', async () => {
    const h = await harness('notmcp', {}, 1500);
    await h.configure({ mute: fixtureServer('not-mcp') });
    await h.waitState('mute', 'failed');
    const s = h.supervisor.snapshot().servers[0]!;
    assert.match(s.lastError ?? '', /handshake/);
    assert.equal(s.pid, null);
  });

  it('reports a missing command clearly', async () => {
    const h = await harness('missing');
    await h.configure({ ghost: { command: 'definitely-not-a-command-xyz', args: [] } });
    await h.waitState('ghost', 'failed');
    assert.match(h.supervisor.snapshot().servers[0]!.lastError ?? '', /not found on PATH/);
  });
});

describe('supervisor caps', () => {
  it('restarts a leaking server that crosses memoryLimitMB, with a CAP_MEMORY event', async () => {
    const h = await harness('leak');
    await h.configure({ leaky: fixtureServer('leaky', { LEAK_MB_PER_SEC: '100' }, { memoryLimitMB: 120, warnAtPercent: 50, maxRestarts: 5 }) });
    const warn = await h.waitEvent((e) => e.code === 'MEMORY_WARN', 'memory warning');
    assert.equal(warn.server, 'leaky');
    const cap = await h.waitEvent((e) => e.code === 'CAP_MEMORY', 'memory cap');
    assert.equal(cap.action, 'restart');
    assert.match(cap.message, /exceeded 120 MB .* and was restarted/);
    assert.ok(cap.rssBytes! > cap.limitBytes!);
    await waitFor('restart', () => h.supervisor.snapshot().servers[0]!.restarts >= 1 && h.supervisor.snapshot().servers[0]!.state === 'running');
  });

  it('kills a fork bomb as a whole tree and marks it capped', async () => {
    const h = await harness('fork');
    await h.configure({ bomb: fixtureServer('forkbomb', { FORK_MAX: '200' }, { maxChildren: 10 }) });
    const cap = await h.waitEvent((e) => e.code === 'CAP_CHILDREN', 'children cap');
    assert.equal(cap.action, 'kill');
    await h.waitState('bomb', 'capped');
    const s = h.supervisor.snapshot().servers[0]!;
    assert.equal(s.pid, null);
    assert.equal(s.children, 0);
  });

  it('kill action stops a server over its memory limit without restarting it', async () => {
    const h = await harness('leakkill');
    await h.configure({ leaky: fixtureServer('leaky', { LEAK_MB_PER_SEC: '100' }, { memoryLimitMB: 100, memoryAction: 'kill' }) });
    const cap = await h.waitEvent((e) => e.code === 'CAP_MEMORY', 'memory cap');
    assert.equal(cap.action, 'kill');
    await h.waitState('leaky', 'capped');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(h.supervisor.snapshot().servers[0]!.state, 'capped');
  });
});
