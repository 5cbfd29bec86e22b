// End to end: who calls what on the one engine. Two windows' agents (VS Code's own MCP client in each) and a terminal
// agent (`mcp-warden connect`, as Claude Code runs it) call one user-level server; each window's row names its clients
// from where it stands (this window, another window, claude-code via connect) with the calls and p50; a tool row shows
// its own count and last error; the status-bar tooltip sums them.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CodeServerSession, fixtureServer, VSCODE_MCP_ON } from './support/codeServer';
import { SeenProcesses } from '../support/procfs';
import { connectThroughBridge, type BridgeClient } from '../support/wardenClients';
import { expandRow, parkMouse, serverRow, serversPane, showServersView, statusItem, waitForRow, widenSideBar } from './support/workbench';

const wardenId = (name: string) => `mcp-warden.mcp-warden/${name} (run by MCP Warden)`;

let s: CodeServerSession;
let pageB: Page;
let terminal: BridgeClient | undefined;
const seen = new SeenProcesses();

before(async () => {
  s = await CodeServerSession.start({ label: 'who-calls', servers: () => ({}), installProbe: true, settings: VSCODE_MCP_ON });
  // A user-level file both windows list (user settings are shared), with the server every client calls.
  const userFile = join(s.dir, 'user-servers.json');
  writeFileSync(userFile, JSON.stringify({ servers: { shared: fixtureServer(s.run, 'shared', 'well-behaved.mjs') } }, null, 2));
  s.writeSettings({ 'mcpWarden.configFiles': [userFile] });
  await s.openWorkbench();
  await showServersView(s.page);
  await widenSideBar(s.page, 1000);
  const folderB = join(s.dir, 'workspace-b');
  mkdirSync(folderB, { recursive: true });
  pageB = await s.openWindow(folderB);
  await showServersView(pageB);
});

after(async () => {
  await terminal?.close().catch(() => undefined);
  if (s) await s.dispose();
  assert.deepEqual(seen.alive(), [], 'processes outlived the test');
});

test('two windows and a terminal agent call one server: each row names its clients from where it stands, with calls and p50', async () => {
  await waitForRow(s.page, 'shared', (l) => /, running, /.test(l), 60_000, 'shared running in window A');
  await waitForRow(pageB, 'shared', (l) => /, running, /.test(l), 60_000, 'shared running in window B');
  // Window A's agent calls twice, window B's once, the terminal agent once and once with bad arguments (an error).
  for (let i = 0; i < 2; i++) {
    const a = await s.probe({ op: 'call', serverId: wardenId('shared'), toolSuffix: '_echo', input: { text: `a${i}` } });
    assert.equal(a.error, undefined, JSON.stringify(a));
  }
  const b = await s.probe({ op: 'call', serverId: wardenId('shared'), toolSuffix: '_echo', input: { text: 'b' } }, 90_000, pageB);
  assert.equal(b.error, undefined, JSON.stringify(b));
  terminal = await connectThroughBridge(s.stateDir, s.env, 'shared', { name: 'claude-code' });
  seen.add(terminal.bridgePid);
  await terminal.client.callTool({ name: 'echo', arguments: { text: 'from the terminal' } });
  const bad = await terminal.client.callTool({ name: 'sleep', arguments: { ms: 'not a number' } }).catch((e: Error) => ({ isError: true, message: e.message }));
  assert.ok((bad as { isError?: boolean }).isError, 'the bad call did not fail');

  // Busiest first (window A and claude-code made two calls each, window B one); each window sees itself as "this window".
  const clientsOn = (l: string) => /\b5 calls · p50 [\d.]+ ms · 1 error · /.test(l) && ['this window', 'another window', 'claude-code via connect'].every((c) => l.includes(c));
  const rowA = await waitForRow(s.page, 'shared', clientsOn, 30_000, "window A's row");
  const rowB = await waitForRow(pageB, 'shared', clientsOn, 30_000, "window B's row");
  // The order tells the two windows apart: A's "this window" made two calls, B's one.
  assert.ok(rowA.indexOf('this window') < rowA.indexOf('another window'), rowA);
  assert.ok(rowB.indexOf('another window') < rowB.indexOf('this window'), rowB);
});

test("a tool row shows its own count and last error; the status-bar tooltip sums the calls and names the clients", async () => {
  const row = serverRow(s.page, 'shared').first();
  await expandRow(row);
  const tools = serversPane(s.page).locator('.monaco-list-row[aria-label^="Tools of shared"]').first();
  await expandRow(tools);
  const echo = serversPane(s.page).locator('.monaco-list-row[aria-label^="Tool echo of shared"]').first();
  await echo.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match((await echo.getAttribute('aria-label')) ?? '', /, 4 calls/);
  const sleepRow = serversPane(s.page).locator('.monaco-list-row[aria-label^="Tool sleep of shared"]').first();
  assert.match((await sleepRow.getAttribute('aria-label')) ?? '', /1 call · 1 error, last error: .+/);
  await parkMouse(s.page);
  await s.screenshot('who-calls-what');
  await statusItem(s.page).hover();
  const tip = s.page.locator('.monaco-hover, .workbench-hover', { hasText: 'through Warden' }).first();
  await tip.waitFor({ state: 'visible', timeout: 10_000 });
  const text = (await tip.textContent()) ?? '';
  assert.match(text, /5 tool calls through Warden \(1 error\) · clients now: /);
  for (const c of ['this window', 'another window', 'claude-code via connect']) assert.ok(text.includes(c), `${c} missing from the status tooltip: ${text}`);
  await s.screenshot('who-calls-what-status');
  await parkMouse(s.page);
});
