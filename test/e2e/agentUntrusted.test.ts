// End to end: in an untrusted workspace (restricted mode) the servers of the workspace's own files are listed by Warden,
// never started, and never offered to VS Code's agent, nor offered for adoption (its .vscode/mcp.json); a server from
// the user's own settings is offered.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeServerSession, fixtureServer, VSCODE_MCP_ON } from './support/codeServer';
import { sleep } from '../support/procfs';
import { runCommand, showServersView, toastTexts, waitForRow } from './support/workbench';

let s: CodeServerSession;

before(async () => {
  s = await CodeServerSession.start({
    label: 'untrusted',
    untrusted: true,
    installProbe: true,
    settings: VSCODE_MCP_ON,
    servers: (run) => ({ 'ws-server': fixtureServer(run, 'ws-server', 'well-behaved.mjs', { CHILDREN: '1' }) }),
  });
  // VS Code's own file, with a local server Warden would offer to adopt in a trusted workspace.
  writeFileSync(join(s.workspaceDir, '.vscode', 'mcp.json'), JSON.stringify({ servers: { 'vs-server': fixtureServer(s.run, 'vs-server', 'well-behaved.mjs') } }, null, 2));
  await s.openWorkbench();
  await showServersView(s.page);
});

after(async () => {
  if (s) {
    if (process.env.MCP_WARDEN_E2E_DEBUG === '1') console.error(s.wardenLog());
    await s.dispose();
  }
});

test('an untrusted workspace\'s own servers are listed, not started and not offered to the agent; the user\'s server is offered', async () => {
  // A user-level server, added while the window is open (user settings apply in restricted mode).
  s.writeSettings({ 'mcpWarden.servers': { 'user-server': fixtureServer(s.run, 'user-server', 'well-behaved.mjs') } });
  await waitForRow(s.page, 'user-server', (l) => /, running, /.test(l), 60_000, 'user-server running');
  const ws = await waitForRow(s.page, 'ws-server', (l) => /untrusted/.test(l), 30_000, 'ws-server listed as not started (untrusted)');
  assert.doesNotMatch(ws, /, running, /);

  await runCommand(s.page, 'MCP: List Servers');
  const rows = s.page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
  let labels: string[] = [];
  for (let i = 0; i < 40 && !labels.some((l) => l.includes('user-server (run by MCP Warden)')); i++) {
    await sleep(250);
    labels = await rows.allTextContents();
  }
  await s.screenshot('agent-untrusted-list-servers');
  await s.page.keyboard.press('Escape');
  assert.ok(labels.some((l) => l.includes('user-server (run by MCP Warden)')), `the user's server is not offered: ${JSON.stringify(labels)}`);
  assert.ok(!labels.some((l) => l.includes('ws-server (run by MCP Warden)')), `the untrusted workspace's server is offered: ${JSON.stringify(labels)}`);

  // Nothing of the workspace's own files runs: not through Warden, not through VS Code.
  await sleep(2000);
  assert.deepEqual(s.fixtureProcs('ws-server').map((p) => `${p.pid} ${p.cmdline}`), [], 'ws-server has processes');
  // mcp.json's server is listed as VS Code's, with no adoption offered.
  await waitForRow(s.page, 'vs-server', (l) => /VS Code's own/.test(l), 30_000, "vs-server listed as VS Code's own");
  assert.deepEqual(s.fixtureProcs('vs-server').map((p) => p.pid), [], 'vs-server has processes');
  const offers = (await toastTexts(s.page)).filter((t) => /MCP Warden can run/.test(t));
  assert.deepEqual(offers, [], 'adoption was offered in an untrusted workspace');
  await runCommand(s.page, 'Notifications: Show Notifications');
  const center = await s.page.locator('.notifications-center').textContent().catch(() => '');
  assert.doesNotMatch(center ?? '', /MCP Warden can run/, 'adoption was offered in an untrusted workspace (notification center)');
  await s.page.keyboard.press('Escape');
});
