// End to end: end states reach the user. Three restarts and the give-up of a crash-looping server notify (naming it),
// and every step is one timestamped line in the logs; Raise Limit on a server with its own limit edits that entry (its
// comments kept) and restarts it; after Stop All the status bar says "0/N running" and acknowledging clears its red.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeServerSession, fixtureServer, type McpServerEntry } from './support/codeServer';
import { pollUntil } from '../support/procfs';
import { answerDialog, clickToastButton, parkMouse, quickInput, readStatus, runCommand, showServersView, statusItem, toastTexts, waitForRow, waitForToast, widenSideBar } from './support/workbench';

let s: CodeServerSession;
const servers = (run: string): Record<string, McpServerEntry> => ({
  steady: fixtureServer(run, 'steady', 'well-behaved.mjs'),
});

before(async () => {
  s = await CodeServerSession.start({ label: 'endstates', servers });
  await s.openWorkbench();
  await showServersView(s.page);
  await widenSideBar(s.page);
  await waitForRow(s.page, 'steady', (l) => /, running, /.test(l), 60_000, 'steady running');
});

after(async () => {
  if (s) {
    if (process.env.MCP_WARDEN_E2E_DEBUG === '1') console.error(s.wardenLog());
    await s.dispose();
  }
});

test('three restarts and the give-up of a crash-looping server notify, naming it, and each is a log line', async () => {
  s.writeMcpJson({
    ...servers(s.run),
    crashy: fixtureServer(s.run, 'crashy', 'crash-after-handshake.mjs', { CRASH_AFTER_MS: '300' }, { maxRestarts: 3, restartWindowSec: 120 }),
  });
  const first = await waitForToast(s.page, /crashy crashed \(exited with code 3\): restarting \(1 of 3\)/, 60_000);
  assert.ok(first);
  const gaveUp = await waitForToast(s.page, /crashy crashed .* restarted 3 times within 120 s .*gave up/, 60_000);
  const text = (await gaveUp.textContent()) ?? '';
  // Restarts 2 and 3 came within the rate limit: the give-up says so, for this server.
  assert.match(text, /2 similar notifications about crashy were not shown/);
  assert.match(text, /Show Logs/);
  await waitForRow(s.page, 'crashy', (l) => /, failed, /.test(l), 15_000, 'crashy failed');
  await parkMouse(s.page);
  await s.screenshot('notifications');

  // The main channel and crashy's own: one timestamped line per step (start, handshake, crash, restart n/3, gave up).
  const main = await pollUntil(() => {
    const log = s.wardenLog();
    return /\[crashy\] gave up after 3\/3 restarts/.test(log) ? log : null;
  }, 15_000);
  assert.ok(main, `the main log lacks crashy's give-up:\n${s.wardenLog().slice(-3000)}`);
  const stamp = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}`;
  for (const line of [
    String.raw`\[info\] \[crashy\] starting \(spawning\)`,
    String.raw`\[info\] \[crashy\] running: pid \d+, handshake in [\d.]+ m?s, \d+ tools`,
    String.raw`\[warning\] \[crashy\] crashed: exited with code 3`,
    String.raw`\[warning\] \[crashy\] restart 1/3 in 250 ms \(backoff\)`,
    String.raw`\[warning\] \[crashy\] restart 2/3 in 500 ms \(backoff\)`,
    String.raw`\[warning\] \[crashy\] restart 3/3 in 1 s \(backoff\)`,
    String.raw`\[error\] \[crashy\] gave up after 3/3 restarts`,
  ]) {
    assert.match(main, new RegExp(`^${stamp} ${line}`, 'm'), `missing log line ${line}`);
  }
  const own = s.wardenLog('crashy');
  assert.match(own, new RegExp(`^${stamp} \\[warning\\] restart 2/3 in 500 ms`, 'm'), `crashy's own channel:\n${own.slice(-2000)}`);
  assert.doesNotMatch(main + own, /`/, 'no raw Markdown backticks in the logs');
});

test("Raise Limit on a server with its own limit edits that entry, keeps the file's comments, and restarts it", async () => {
  const mcpJson = s.serversPath;
  const entries = {
    ...servers(s.run),
    // Unchanged, so it stays failed (the next test acknowledges it).
    crashy: fixtureServer(s.run, 'crashy', 'crash-after-handshake.mjs', { CRASH_AFTER_MS: '300' }, { maxRestarts: 3, restartWindowSec: 120 }),
    // 40-75 MB at start (PSS or RSS), +15 MB/s up to +165 MB: over its own 160 MB (kill), under the 256 MB proposed instead.
    // It ignores SIGTERM with an 8 s grace: the cap kill is still stopping it when Raise and Restart edits the file, and
    // a stopping server is not one the helper started again (that mistake left it capped).
    leaky: fixtureServer(s.run, 'leaky', 'leaky.mjs', { LEAK_MB_PER_SEC: '15', LEAK_MAX_MB: '165', LEAK_IGNORE_TERM: '1' }, { memoryLimitMB: 160, memoryAction: 'kill', shutdownGraceMs: 8000 }),
  };
  const text = `// Servers for the end-state test.\n${JSON.stringify({ servers: entries }, null, 2).replace('"leaky": {', '// leaks on purpose\n    "leaky": {')}\n`;
  writeFileSync(mcpJson, text);
  const toast = await waitForToast(s.page, /leaky used [\d.]+ MB, over its 160 MB memory limit, and was stopped/, 90_000);
  await clickToastButton(toast, 'Raise and Restart');
  const input = quickInput(s.page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  const prompt = (await s.page.locator('.quick-input-widget').textContent()) ?? '';
  assert.match(prompt, /Now 160 MB/);
  assert.match(prompt, /in leaky's own "warden" entry in mcp-warden\.json/);
  assert.equal(await input.inputValue(), '256');
  await input.press('Enter');
  const after = await pollUntil(() => {
    const t = readFileSync(mcpJson, 'utf8');
    return t.includes('"memoryLimitMB": 256') ? t : null;
  }, 15_000);
  assert.ok(after, `mcp-warden.json was not edited:\n${readFileSync(mcpJson, 'utf8')}`);
  assert.match(after, /^\/\/ Servers for the end-state test\./);
  assert.match(after, /\/\/ leaks on purpose/);
  assert.equal(after.replace('"memoryLimitMB": 256', '"memoryLimitMB": 160'), text, 'only the limit changed');
  await waitForToast(s.page, /restarted leaky with a 256 MB memory limit/, 45_000).catch(async (err: Error) => {
    throw new Error(`${err.message}\ntoasts: ${JSON.stringify(await toastTexts(s.page))}\nlog: ${s.wardenLog().split('\n').filter((l) => l.includes('[leaky]')).slice(-15).join('\n')}`);
  });
  await waitForRow(s.page, 'leaky', (l) => /, running, /.test(l), 30_000, 'leaky running again');
  // The global setting was not touched.
  const settings = readFileSync(join(s.userDataDir, 'User', 'settings.json'), 'utf8');
  assert.doesNotMatch(settings, /memoryLimit/);
});

test('after Stop All the status bar reads 0/N running; acknowledging clears the failed entry', async () => {
  await runCommand(s.page, 'MCP Warden: Stop All');
  const question = await answerDialog(s.page, 'Stop All');
  assert.match(question, /Stop all 2 running MCP servers\?/);
  await waitForToast(s.page, /stopped 2 servers in [\d.]+ m?s; no process survived/, 30_000);
  const stopped = await pollUntil(async () => {
    const st = await readStatus(s.page);
    return st && /0\/3 running/.test(st.label) ? st : null;
  }, 20_000);
  assert.ok(stopped, `status after Stop All: ${JSON.stringify(await readStatus(s.page))}`);
  // crashy still failed: red, and its tooltip says what needs attention, with links.
  assert.equal(stopped.kind, 'error');
  await statusItem(s.page).hover();
  const hover = s.page.locator('.monaco-hover', { hasText: 'Needs attention' }).first();
  await hover.waitFor({ state: 'visible', timeout: 10_000 });
  const hoverText = (await hover.textContent()) ?? '';
  assert.match(hoverText, /crashy/);
  assert.match(hoverText, /Acknowledge/);
  assert.doesNotMatch(hoverText, /`/);
  await s.screenshot('status-attention');
  await parkMouse(s.page);
  await runCommand(s.page, 'MCP Warden: Acknowledge Server Problems');
  const ok = await pollUntil(async () => (await readStatus(s.page))?.kind === 'ok', 10_000);
  assert.ok(ok, `after acknowledging: ${JSON.stringify(await readStatus(s.page))}`);
  assert.ok((await toastTexts(s.page)).every((t) => !t.includes('`')), 'no raw backticks in notifications');
});
