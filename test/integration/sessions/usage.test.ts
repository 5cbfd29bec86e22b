// Who calls what, with a real engine and real clients: tools/call counts, errors, latency and clients per server reach
// the snapshot (`status --json`'s usage), the same whichever way in a client used; a server nobody called has none.
import { strict as assert } from 'node:assert';
import { after, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { isRunning, killAll, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { connectOverHttp, connectThroughBridge, startEngineProcess, wardenHome, type EngineHandle } from '../../support/wardenClients';
import type { ServerUsage } from '../../../src/shared/protocol';

const MARK = `usage-${process.pid}-${Date.now()}`;
const engines: EngineHandle[] = [];

after(() => {
  for (const e of engines) if (e.child.exitCode === null) e.child.kill('SIGKILL');
  const left = procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid).filter(isRunning);
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the usage test');
});

it('counts each client\'s tools/call per server and tool, errors with their reason, and p50/p95 latency', async () => {
  const home = wardenHome('usage', {
    echo: fixtureServer('well-behaved', { WARDEN_TEST_MARK: MARK }),
    quiet: fixtureServer('well-behaved', { WARDEN_TEST_MARK: MARK }),
  });
  const engine = await startEngineProcess(home.stateDir, home.env);
  engines.push(engine);
  const socket = engine.status().endpoints.unixSocket!;
  const http = await connectOverHttp('http://localhost/mcp/echo', { socketPath: socket, name: 'editor-one' });
  const bridge = await connectThroughBridge(home.stateDir, home.env, 'echo', { name: 'terminal-agent' });
  try {
    for (let i = 0; i < 3; i++) await http.client.callTool({ name: 'echo', arguments: { text: `n${i}` } });
    await http.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
    await bridge.client.callTool({ name: 'echo', arguments: { text: 'from the terminal' } });
    // A tool the server does not have: an error, counted with the server's reason.
    const bad = await bridge.client.callTool({ name: 'no_such_tool', arguments: {} }).catch((e: Error) => ({ isError: true, thrown: e.message }));
    assert.ok((bad as { isError?: boolean }).isError, 'calling a missing tool did not fail');

    const servers = engine.status().servers as unknown as { name: string; usage: ServerUsage | null }[];
    const usage = servers.find((s) => s.name === 'echo')!.usage!;
    assert.ok(usage, `no usage for echo: ${JSON.stringify(servers)}`);
    assert.equal(usage.calls, 6);
    assert.equal(usage.errors, 1);
    assert.match(usage.lastError ?? '', /no_such_tool/);
    assert.ok(usage.p50Ms !== null && usage.p50Ms > 0 && usage.p95Ms! >= usage.p50Ms, `latency: ${usage.p50Ms} / ${usage.p95Ms}`);
    assert.deepEqual(usage.tools.map((t) => [t.name, t.calls, t.errors]), [['echo', 4, 0], ['add', 1, 0], ['no_such_tool', 1, 1]]);
    assert.deepEqual(usage.clients.map((c) => [c.name, c.via, c.window, c.sessions, c.calls]), [['editor-one', 'http', null, 1, 4], ['terminal-agent', 'connect', null, 1, 2]]);
    assert.equal(servers.find((s) => s.name === 'quiet')!.usage, null, 'a server nobody connected to has no usage');
  } finally {
    await http.close();
    await bridge.close();
  }
  // The clients left: their history stays, their sessions do not.
  const after = (engine.status().servers as unknown as { name: string; usage: ServerUsage | null }[]).find((s) => s.name === 'echo')!.usage!;
  assert.equal(after.calls, 6);
  const exited = new Promise((r) => engine.child.once('exit', r));
  engine.child.kill('SIGTERM');
  await exited;
  await waitFor('the engine\'s servers to stop', () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length === 0, 15_000);
});

it('tells two VS Code windows apart by the window id their provider sends (X-MCP-Warden-Window), and ignores a malformed one', async () => {
  const home = wardenHome('usage-windows', { echo: fixtureServer('well-behaved', { WARDEN_TEST_MARK: MARK }) });
  const engine = await startEngineProcess(home.stateDir, home.env);
  engines.push(engine);
  const socket = engine.status().endpoints.unixSocket!;
  const one = await connectOverHttp('http://localhost/mcp/echo', { socketPath: socket, name: 'Visual Studio Code', headers: { 'X-MCP-Warden-Window': 'win-one' } });
  const two = await connectOverHttp('http://localhost/mcp/echo', { socketPath: socket, name: 'Visual Studio Code', headers: { 'X-MCP-Warden-Window': 'win-two' } });
  const odd = await connectOverHttp('http://localhost/mcp/echo', { socketPath: socket, name: 'Visual Studio Code', headers: { 'X-MCP-Warden-Window': 'not a window id!' } });
  try {
    for (let i = 0; i < 2; i++) await one.client.callTool({ name: 'echo', arguments: { text: 'a' } });
    await two.client.callTool({ name: 'echo', arguments: { text: 'b' } });
    await odd.client.callTool({ name: 'echo', arguments: { text: 'c' } });
    const usage = (engine.status().servers as unknown as { name: string; usage: ServerUsage | null }[]).find((s) => s.name === 'echo')!.usage!;
    assert.deepEqual(usage.clients.map((c) => [c.name, c.window, c.sessions, c.calls]), [
      ['Visual Studio Code', 'win-one', 1, 2],
      ['Visual Studio Code', 'win-two', 1, 1],
      ['Visual Studio Code', null, 1, 1],
    ]);
  } finally {
    await one.close();
    await two.close();
    await odd.close();
  }
  const exited = new Promise((r) => engine.child.once('exit', r));
  engine.child.kill('SIGTERM');
  await exited;
  await waitFor('the engine\'s servers to stop', () => procsWithEnvMarker('WARDEN_TEST_MARK', MARK).length === 0, 15_000);
});
