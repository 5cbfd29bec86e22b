// End to end: a server in Claude Desktop's config, which VS Code discovers (chat.mcp.discovery.enabled). Warden offers
// to adopt it; Adopt… shows the diff in VS Code's diff editor and asks in a modal; then, as `mcp-warden adopt` does,
// the server moves to Warden's user config and Claude Desktop's entry becomes `<node> <cli.js> connect desk`, and
// Warden runs it (one tree, under Warden).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeServerSession, fixtureServer, VSCODE_MCP_ON } from './support/codeServer';
import { pollUntil, readProc, SeenProcesses } from '../support/procfs';
import { answerDialog, clickToastButton, showServersView, waitForNotification, waitForRow } from './support/workbench';

let s: CodeServerSession;
let claudeConfig: string;
let userConfig: string;
const seen = new SeenProcesses();

before(async () => {
  s = await CodeServerSession.start({
    label: 'adopt-others',
    servers: () => ({}),
    settings: { ...VSCODE_MCP_ON, 'chat.mcp.discovery.enabled': { 'claude-desktop': true } },
  });
  // Claude Desktop's file on Linux, in the session's own home (XDG_CONFIG_HOME), before the extension activates.
  claudeConfig = join(s.home, '.config', 'Claude', 'claude_desktop_config.json');
  userConfig = join(s.home, '.config', 'mcp-warden', 'servers.json');
  mkdirSync(join(s.home, '.config', 'Claude'), { recursive: true });
  const { type: _type, ...desk } = fixtureServer(s.run, 'desk', 'well-behaved.mjs');
  writeFileSync(claudeConfig, JSON.stringify({ mcpServers: { desk }, globalShortcut: 'Ctrl+Space' }, null, 2) + '\n');
  // The Servers view is not opened yet: with no server it shows its welcome text, not a tree.
  await s.openWorkbench();
});

after(async () => {
  if (s) {
    if (process.env.MCP_WARDEN_E2E_DEBUG === '1') console.error(s.wardenLog());
    await s.dispose();
  }
  assert.deepEqual(seen.alive(), [], 'fixture processes outlived the test');
});

test("Claude Desktop's server is offered; Adopt… shows the diff and asks; then Warden's user config holds it and Claude's entry connects to Warden", async () => {
  const offer = await waitForNotification(s.page, /VS Code starts servers of other clients too \(Claude Desktop: desk\)/, 60_000);
  await clickToastButton(offer, 'Adopt…');
  await s.page.keyboard.press('Escape');
  // The diff: both files (Warden's user config, created; Claude Desktop's, changed) in VS Code's diff editor.
  const tab = s.page.locator('.tabs-container .tab', { hasText: /MCP Warden: adopt|adopted by MCP Warden/ }).first();
  await tab.waitFor({ state: 'visible', timeout: 20_000 });
  const dialog = await answerDialog(s.page, 'Adopt', 20_000).catch(async (err: Error) => {
    const shot = await s.screenshot('adopt-others-no-dialog').catch(() => 'none');
    throw new Error(`${err.message} (screenshot ${shot})`);
  });
  assert.match(dialog, /Adopt 1 server \(Claude Desktop: desk\)\?/);
  assert.match(dialog, /claude_desktop_config\.json/);

  type ClaudeFile = { mcpServers: Record<string, { command: string; args: string[]; env?: unknown }>; globalShortcut: string };
  const adopted = await pollUntil(() => {
    try {
      const c = JSON.parse(readFileSync(claudeConfig, 'utf8')) as ClaudeFile;
      return c.mcpServers.desk?.args.includes('connect') ? c : null;
    } catch {
      return null;
    }
  }, 15_000);
  assert.ok(adopted, `Claude Desktop's file was not adopted:\n${readFileSync(claudeConfig, 'utf8')}`);
  const entry = adopted.mcpServers.desk;
  // The helper's Node and the installed extension's cli.js, absolute; the env went to Warden's config.
  assert.match(entry.args[0]!, /mcp-warden\.mcp-warden-[^/]*\/dist\/cli\.js$/);
  assert.deepEqual(entry.args.slice(1, 3), ['connect', 'desk']);
  assert.equal(entry.env, undefined);
  assert.equal(adopted.globalShortcut, 'Ctrl+Space', "Claude Desktop's other keys stay");
  const warden = JSON.parse(readFileSync(userConfig, 'utf8')) as { servers: Record<string, { args: string[] }> };
  assert.match(warden.servers.desk!.args[0]!, /well-behaved\.mjs$/);

  // Warden's user config reaches this window: Warden runs desk, one tree, not under VS Code's extension host.
  await showServersView(s.page);
  await waitForRow(s.page, 'desk', (l) => /, running, /.test(l), 60_000, 'desk run by Warden after adoption');
  const procs = s.fixtureProcs('desk');
  for (const p of procs) seen.add(p.pid);
  assert.equal(procs.length, 1, `desk processes: ${JSON.stringify(procs.map((p) => `${p.pid}<-${p.ppid}`))}`);
  const parent = readProc(procs[0]!.ppid);
  assert.match(parent?.cmdline ?? '', /mcp-warden\.mcp-warden-[^/]*\/dist\/(helper|cli|cli-main)\.js/, `desk's parent is not Warden: ${parent?.cmdline}`);
  await s.screenshot('adopt-other-clients');
});
