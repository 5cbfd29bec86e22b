// End to end in a real VS Code (code-server + Chromium): the packaged extension lists, stops, starts, caps and cleans up
// fixture servers, and every assertion about processes is checked against /proc, not against Warden's own state.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeServerSession, fixtureServer, node24, repoRoot, type McpServerEntry } from './support/codeServer';
import { descendants, isAlive, pollUntil, sleep, type ProcInfo } from '../support/procfs';
import {
  clickInlineAction,
  readStatus,
  rowLabel,
  runCommand,
  serverRow,
  serversPane,
  expandRow,
  parkMouse,
  showServersView,
  waitForRow,
  widenSideBar,
  type StatusState,
} from './support/workbench';

const baseServers = (run: string): Record<string, McpServerEntry> => ({
  'well-behaved': fixtureServer(run, 'well-behaved', 'well-behaved.mjs', { CHILDREN: '2' }),
  grandchildren: fixtureServer(run, 'grandchildren', 'grandchildren.mjs'),
});

/** A server's memory from its row label ("well-behaved, running, 41.5 MB · 2 children · up 3s"), in bytes. */
function memoryInLabel(label: string): number {
  const m = /(\d+(?:\.\d+)?) (B|KB|MB|GB|TB)\b/.exec(label);
  if (!m) return 0;
  return Number(m[1]) * 1024 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(m[2]!);
}

let s: CodeServerSession;

before(async () => {
  // A memory bound in the user settings from the start: the Memories test checks that it reached the helper's store.
  s = await CodeServerSession.start({ label: 'main', servers: baseServers, settings: { 'mcpWarden.memory.maxMemories': 3 } });
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

test('the Servers view lists each server running, with non-zero memory and its child count', async () => {
  const label = await waitForRow(s.page, 'well-behaved', (l) => /, running, /.test(l) && /\b2 children\b/.test(l) && memoryInLabel(l) > 0, 60_000,
    'well-behaved running with 2 children');
  assert.ok(memoryInLabel(label) > 1024 * 1024, `memory shown for well-behaved is implausibly small: ${label}`);
  const gc = await waitForRow(s.page, 'grandchildren', (l) => /, running, /.test(l) && memoryInLabel(l) > 0, 30_000, 'grandchildren running');
  assert.match(gc, /\d+ child(ren)?\b/);
  // What the view says agrees with the OS: the server and exactly two children carry its marker.
  const procs = await pollUntil(() => { const p = s.fixtureProcs('well-behaved'); return p.length === 3 ? p : null; }, 10_000);
  assert.equal(procs?.length, 3, `expected well-behaved + 2 children in /proc, found ${JSON.stringify(s.fixtureProcs('well-behaved').map((p) => p.cmdline))}`);

  // Expand well-behaved and its Processes group for the screenshot: rows with pids and RSS.
  await expandRow(serverRow(s.page, 'well-behaved').first());
  const group = serversPane(s.page).locator('.monaco-list-row[aria-label^="Processes"]').first();
  await group.waitFor({ state: 'visible', timeout: 10_000 });
  await expandRow(group);
  const root = s.fixtureRoot('well-behaved')!;
  await serversPane(s.page).locator(".monaco-list-row", { hasText: String(root.pid) }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await parkMouse(s.page);
  await s.screenshot('tree');
});

test('Stop and Start from the view stop and start the real process', async () => {
  const before = s.fixtureRoot('well-behaved');
  assert.ok(before && isAlive(before), 'well-behaved is not running before Stop');
  const marked = s.fixtureProcs('well-behaved');

  await clickInlineAction(s.page, 'well-behaved', 'Stop Server');
  const gone = await pollUntil(() => marked.every((p) => !isAlive(p)) && s.fixtureProcs('well-behaved').length === 0, 20_000);
  assert.ok(gone, `after Stop, still alive: ${JSON.stringify(s.fixtureProcs('well-behaved').map((p) => p.pid))}`);
  await waitForRow(s.page, 'well-behaved', (l) => /, stopped\b/.test(l), 15_000, 'well-behaved stopped');

  await clickInlineAction(s.page, 'well-behaved', 'Start Server');
  const after = await pollUntil(() => { const r = s.fixtureRoot('well-behaved'); return r && r.pid !== before!.pid ? r : null; }, 20_000);
  assert.ok(after && isAlive(after), 'after Start, no new well-behaved process in /proc');
  await waitForRow(s.page, 'well-behaved', (l) => /, running, /.test(l), 30_000, 'well-behaved running again');
});

test('a leaking server turns the status bar to warning, then the memory cap restarts it', async () => {
  s.writeMcpJson({
    ...baseServers(s.run),
    // The fixture starts at ~75 MB (Node + the MCP SDK): warned from 96 MB (60 % of 160), capped at 160 MB,
    // about 16 s of growth at 4 MB/s in between, so the warning is on screen long enough to see.
    leaky: fixtureServer(s.run, 'leaky', 'leaky.mjs', { LEAK_MB_PER_SEC: '4', LEAK_MAX_MB: '400' }, { memoryLimitMB: 160, warnAtPercent: 60, maxRestarts: 10 }),
  });
  await waitForRow(s.page, 'leaky', (l) => /, running, /.test(l), 60_000, 'leaky added by editing mcp.json and started');
  const first = await pollUntil(() => s.fixtureRoot('leaky'), 10_000);
  assert.ok(first, 'leaky is not in /proc');

  // The warning must be leaky's own: its row carries a warning and shows it past 96 MB (60 % of 160), not another server's.
  let status: StatusState | null = null;
  let leakyLabel: string | null = null;
  const warned = await pollUntil(async () => {
    status = await readStatus(s.page);
    leakyLabel = await rowLabel(s.page, 'leaky');
    return status?.kind === 'warning' && /MCP Warden warning/.test(status.label) && /⚠/.test(leakyLabel ?? '') && memoryInLabel(leakyLabel ?? '') >= 96 * 1024 * 1024;
  }, 60_000, 100);
  assert.ok(warned, `the status bar never showed leaky's memory warning; last status: ${JSON.stringify(status)}, leaky row: ${JSON.stringify(leakyLabel)}`);
  await parkMouse(s.page);
  await s.screenshot('status-warning');

  // The cap: the first process is gone, a new one runs (a restart), and the status bar turns to error.
  const restarted = await pollUntil(() => {
    const now = s.fixtureRoot('leaky');
    return !isAlive(first) && now && now.pid !== first.pid ? now : null;
  }, 60_000, 200);
  assert.ok(restarted, `leaky (pid ${first.pid}) was not restarted by the memory cap`);
  const errored = await pollUntil(async () => (await readStatus(s.page))?.kind === 'error', 15_000);
  assert.ok(errored, `after the cap fired the status bar is ${JSON.stringify(await readStatus(s.page))}`);
  await waitForRow(s.page, 'leaky', (l) => /, running, /.test(l), 30_000, 'leaky running again after the restart');
});

test('the resource graph shows every server over time', async () => {
  await runCommand(s.page, 'MCP Warden: Show Resource Graph');
  const frame = s.page.frameLocator('iframe.webview').first().frameLocator('#active-frame');
  const legend = frame.locator('#legend');
  await legend.waitFor({ state: 'visible', timeout: 30_000 });
  const text = await pollUntil(async () => {
    const t = (await legend.textContent()) ?? '';
    return t.includes('well-behaved') && t.includes('leaky') ? t : null;
  }, 30_000, 500);
  assert.ok(text, `graph legend lacks servers: ${JSON.stringify(await legend.textContent())}`);
  // Live samples for a while, so the leaky server's saw-tooth (grow, cap, restart) shows.
  await parkMouse(s.page);
  await sleep(8000);
  await s.screenshot('graph-leak');
});

/** `mcp-warden memory …` against this window's state dir: a second writer on the same database, as a terminal is. */
function memoryCli(...args: string[]): unknown {
  const r = spawnSync(node24, [join(repoRoot, 'dist', 'cli.js'), 'memory', ...args, '--state-dir', s.stateDir, '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `mcp-warden memory ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('Memories: Remember Selection saves within the bound set in settings, and Search Memories finds and opens it', async () => {
  const page = s.page;
  for (const n of ['one', 'two', 'three', 'four']) memoryCli('add', `seeded from a terminal, number ${n}`);
  // Select the workspace README's text, as a person does, and remember it.
  await runCommand(page, 'Go to File');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('README.md');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'README.md' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await input.press('Enter');
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: 'end-to-end workspace' }).waitFor({ state: 'visible', timeout: 15_000 });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  // Not runCommand: its first Escape would clear the selection.
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('>MCP Warden: Remember Selection');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Remember Selection' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await input.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'Remember Selection (1/2)' }).waitFor({ state: 'visible', timeout: 10_000 });
  for (const answer of ['decision', 'e2e, readme']) {
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(answer);
    await input.press('Enter');
    await sleep(300);
  }
  const toast = page.locator('.notification-toast', { hasText: 'remembered “MCP Warden end-to-end workspace”' }).first();
  await toast.waitFor({ state: 'visible', timeout: 15_000 });
  const told = (await toast.textContent()) ?? '';
  const recent = memoryCli('recent') as { id: string; content: string }[];
  const id = recent.find((m) => m.content.startsWith('# MCP Warden end-to-end workspace'))?.id;
  assert.ok(id, `the saved memory is not in the store: ${JSON.stringify(recent)}`);
  // Five memories against a bound of three: the save evicted two and said so; the database agrees.
  assert.match(told, /2 older memories evicted to stay within bounds/);
  const stats = memoryCli('stats') as { count: number };
  assert.equal(stats.count, 3);
  const saved = memoryCli('get', id) as { content: string; category: string; tags: string[]; source: string };
  assert.match(saved.content, /^# MCP Warden end-to-end workspace/);
  assert.deepEqual([saved.category, saved.tags], ['decision', ['e2e', 'readme']]);
  assert.match(saved.source, /^[a-z-]+:\/\/.*\/README\.md#L1-L\d+$/, 'the memory links back to the file and lines it came from');
  // The Memories view lists it.
  const memoriesPane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Memories/i }) });
  const header = memoriesPane.locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  await memoriesPane.locator('.monaco-list-row', { hasText: 'MCP Warden end-to-end workspace' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  // Search as you type, then open the hit: the full memory shows in an editor.
  await runCommand(page, 'MCP Warden: Search Memories');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.pressSequentially('fixture servers', { delay: 40 });
  // The picker opens on the recent memories; a ranked hit (with its score) means the typed query was searched.
  const hit = page.locator('.quick-input-list .monaco-list-row', { hasText: 'MCP Warden end-to-end workspace' }).filter({ hasText: /score [\d.]+ · decision/ });
  await hit.first().waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
  await page.locator('.tab', { hasText: 'MCP Warden end-to-end workspace' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.editor-instance .view-lines', { hasText: 'fixture servers' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Escape');
});

test('closing the window (SIGTERM to code-server) leaves zero fixture processes', async () => {
  const fixtures = s.fixtureProcs();
  assert.ok(fixtures.length >= 4, `expected the fixture servers and their children alive before closing, found ${fixtures.length}`);
  // Warden's part of the window: the per-user engine it attached to, and everything it started.
  const engine = await s.waitForEngine();
  const wardenTree: ProcInfo[] = descendants(engine.pid);
  assert.ok(fixtures.every((f) => wardenTree.some((p) => p.pid === f.pid)), 'a fixture server is not under the engine');
  const registry = s.registryPids();
  // The engine keeps its registry under mcpWarden.stateDir: that the setting reached it is part of what is checked.
  assert.ok(registry.length >= 2, `no server pids in the engine registry under ${s.stateDir}`);
  const closed = await s.closeWindow(30_000);
  assert.ok(closed, 'code-server did not exit within 30 s of SIGTERM');
  const clean = await pollUntil(() => [...fixtures, ...wardenTree].every((p) => !isAlive(p)) && s.fixtureProcs().length === 0, 15_000, 250);
  const survivors = [...new Set([...fixtures.filter(isAlive), ...s.fixtureProcs()].map((p) => `${p.pid} ${p.cmdline}`))];
  assert.deepEqual(survivors, [], `fixture processes survived the window close (waited 15 s: ${clean ? 'clean' : 'not clean'})`);
  const treeLeft = wardenTree.filter(isAlive).map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`);
  assert.deepEqual(treeLeft, [], 'the servers the window used outlived it');
  // The engine's own registry may name processes that escaped the marker; any of them still alive (and started
  // after this window, so not a reused pid of an older process) is a leak too.
  const registryLeft = s.aliveSince(registry).map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`);
  assert.deepEqual(registryLeft, [], 'processes in the engine registry are still alive');
  // The engine outlives a window by design (it idle-exits when no window or client is left); this test stops it.
  assert.ok(isAlive(engine) || !s.engine(), 'the engine vanished without releasing its lock');
  await s.stopEngine();
  assert.equal(isAlive(engine), false, 'the engine did not stop on SIGTERM');
});
