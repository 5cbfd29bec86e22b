// End to end: VS Code's own MCP layer (what the agent uses) is offered the servers Warden runs, through Warden's
// provider, starts them through it and calls a tool over the engine's socket; the process table shows one tree per
// server, Warden's; closing the window still leaves zero processes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MEMORY_SERVER_NAME } from '../../src/shared/protocol';
import { CodeServerSession, fixtureServer, node24, repoRoot, VSCODE_MCP_ON, type McpServerEntry } from './support/codeServer';
import { descendants, isAlive, pollUntil } from '../support/procfs';
import { parkMouse, runCommand, serverRow, showServersView, waitForRow, widenSideBar } from './support/workbench';

/** VS Code's id for a server from Warden's provider: `<publisher.name>/<label>`. */
const wardenId = (name: string) => `mcp-warden.mcp-warden/${name} (run by MCP Warden)`;

const servers = (run: string): Record<string, McpServerEntry> => ({
  'well-behaved': fixtureServer(run, 'well-behaved', 'well-behaved.mjs', { CHILDREN: '2' }),
  grandchildren: fixtureServer(run, 'grandchildren', 'grandchildren.mjs'),
});

let s: CodeServerSession;

before(async () => {
  s = await CodeServerSession.start({ label: 'agent', servers, installProbe: true, settings: VSCODE_MCP_ON });
  await s.openWorkbench();
  await showServersView(s.page);
  await widenSideBar(s.page);
});

after(async () => {
  if (s) {
    if (process.env.MCP_WARDEN_E2E_DEBUG === '1') console.error(s.wardenLog());
    await s.dispose();
  }
});


test('VS Code starts a Warden-run server through Warden\'s provider and calls its tool through its own client; one tree per server', async () => {
  await waitForRow(s.page, 'well-behaved', (l) => /, running, .*\b2 children\b/.test(l), 60_000, 'well-behaved running with 2 children');
  const root = s.fixtureRoot('well-behaved');
  assert.ok(root, 'well-behaved is not in /proc');
  const answer = await s.probe({ op: 'call', serverId: wardenId('well-behaved'), toolSuffix: 'echo', input: { text: 'through Warden' } });
  assert.equal(answer.error, undefined, `the call through VS Code failed: ${JSON.stringify(answer)}`);
  assert.equal(answer.text, 'through Warden');
  // Exactly one tree, Warden's: the same root as before the call, under the engine, and its two children; VS Code
  // spawned no copy of its own.
  const engine = await s.waitForEngine();
  const procs = s.fixtureProcs('well-behaved');
  const roots = procs.filter((p) => !procs.some((q) => q.pid === p.ppid));
  assert.deepEqual(roots.map((p) => p.pid), [root.pid], `well-behaved roots in /proc: ${JSON.stringify(roots.map((p) => `${p.pid} <- ${p.ppid}`))}`);
  assert.equal(root.ppid, engine.pid, 'well-behaved is not the engine\'s child');
  assert.equal(procs.length, 3, `expected well-behaved + 2 children, found ${procs.length}`);
  assert.ok(isAlive(root), 'the call restarted or replaced the server');
});

test('the row of a server called through VS Code shows the call count, latency and this window as its client; its tooltip too', async () => {
  // One more call, so the count is the agent's own two calls (the first test made one).
  const again = await s.probe({ op: 'call', serverId: wardenId('well-behaved'), toolSuffix: 'echo', input: { text: 'twice' } });
  assert.equal(again.error, undefined, JSON.stringify(again));
  // The client on the row is this window: the id Warden's provider sends with each request names it.
  const label = await waitForRow(s.page, 'well-behaved', (l) => /\b2 calls · p50 [\d.]+ ms · this window\b/.test(l), 15_000, 'well-behaved row with 2 calls, a p50 and this window');
  assert.doesNotMatch(label, /error/);
  const row = serverRow(s.page, 'well-behaved').first();
  await row.hover();
  const hover = s.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Clients:' }).first();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  const tip = (await hover.textContent()) ?? '';
  // VS Code names itself by its product: "code-server" here, "Visual Studio Code" on the desktop.
  assert.match(tip, /Clients: this window — (code-server|Visual Studio Code) \(1 session, 2 calls\)/, `tooltip: ${tip}`);
  assert.match(tip, /Calls: 2 · errors 0 · p50/);
  await s.screenshot('agent-calls');
  await parkMouse(s.page);
});

test('MCP: List Servers lists Warden\'s servers, labelled as run by MCP Warden, the one VS Code started as Running', async () => {
  await runCommand(s.page, 'MCP: List Servers');
  const rows = s.page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
  const labels = await pollUntil(async () => {
    const all = await rows.allTextContents();
    return all.some((l) => l.includes('grandchildren (run by MCP Warden)')) ? all : null;
  }, 15_000, 250);
  await s.screenshot('agent-list-servers');
  await s.page.keyboard.press('Escape');
  assert.ok(labels, `Warden's servers are not listed: ${JSON.stringify(await rows.allTextContents().catch(() => []))}`);
  const wb = labels.find((l) => l.includes('well-behaved (run by MCP Warden)'));
  assert.ok(wb, `well-behaved not listed: ${JSON.stringify(labels)}`);
  assert.match(wb, /Running/);
});

test('the memory store joins the same provider: VS Code saves a memory through the engine, with no process of its own', async () => {
  const engine = await s.waitForEngine();
  const inScope = () => [...s.tree(), ...descendants(engine.pid)];
  const before = inScope().map((p) => p.pid);
  const saved = await s.probe({ op: 'call', serverId: wardenId(MEMORY_SERVER_NAME), toolSuffix: 'memory_save', input: { content: 'saved by the agent through Warden', category: 'e2e' } });
  assert.equal(saved.error, undefined, `memory_save through VS Code failed: ${JSON.stringify(saved)}`);
  // With structuredContent in the result VS Code hands the tool's JSON over instead of its text.
  assert.match(String(saved.text), /Saved as \w+|"duplicate":\s*false/, `unexpected result: ${JSON.stringify(saved)}`);
  // A terminal on the same state dir finds it.
  const r = spawnSync(node24, [join(repoRoot, 'dist', 'cli.js'), 'memory', 'search', 'agent through Warden', '--state-dir', s.stateDir, '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /saved by the agent through Warden/, 'the CLI does not find the memory VS Code saved');
  // Served in-process by the engine: no memory-server process appeared under code-server or the engine.
  const added = inScope().filter((p) => !before.includes(p.pid) && /memory-server/.test(p.cmdline));
  assert.deepEqual(added.map((p) => p.cmdline), [], 'a memory-server process was started');
});

test('closing the window with VS Code\'s MCP session open leaves zero fixture processes', async () => {
  const fixtures = s.fixtureProcs();
  assert.ok(fixtures.length >= 4, `expected the fixture servers and their children alive before closing, found ${fixtures.length}`);
  const engine = await s.waitForEngine();
  const wardenTree = descendants(engine.pid);
  const closed = await s.closeWindow(30_000);
  assert.ok(closed, 'code-server did not exit within 30 s of SIGTERM');
  await pollUntil(() => [...fixtures, ...wardenTree].every((p) => !isAlive(p)) && s.fixtureProcs().length === 0, 15_000, 250);
  const left = [...new Set([...fixtures, ...wardenTree].filter(isAlive).concat(s.fixtureProcs()).map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`))];
  assert.deepEqual(left, [], 'processes outlived the window');
  await s.stopEngine();
});
