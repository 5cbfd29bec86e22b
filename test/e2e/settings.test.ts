// End to end: Warden's settings in the Settings editor are grouped in titled sections with labels free of unit
// suffixes, and the palette lists only what applies (no duplicate "Show Servers", no Stop All when nothing runs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { CodeServerSession } from './support/codeServer';
import { pollUntil, sleep } from '../support/procfs';
import { answerDialog, parkMouse, quickInput, runCommand, waitForToast, waitForWarden } from './support/workbench';

let s: CodeServerSession;

before(async () => {
  s = await CodeServerSession.start({ label: 'settings', servers: () => ({}) });
  await s.openWorkbench();
  await waitForWarden(s.page);
});

after(async () => {
  if (s) await s.dispose();
});

test('the settings are grouped in titled sections, labelled without unit suffixes', async () => {
  const page = s.page;
  await runCommand(page, 'Preferences: Open User Settings');
  const editor = page.locator('.settings-editor');
  await editor.waitFor({ state: 'visible', timeout: 30_000 });
  const search = editor.locator('.settings-header .suggest-input-container').first();
  await searchSettings(search, '@ext:mcp-warden.mcp-warden');
  const toc = editor.locator('.settings-toc-container');
  // code-server is a remote window: the User tab lists what a user (or workspace) setting can hold ...
  const sections = await pollUntil(async () => {
    const t = (await toc.textContent()) ?? '';
    return ['Servers', 'Caps', 'Sampling', 'Memory Store'].every((x) => t.includes(x)) ? t : null;
  }, 30_000, 500);
  assert.ok(sections, `settings table of contents: ${await toc.textContent()}`);
  await s.screenshot('settings');
  // Each renamed setting, found by its label: the unit is in the description, not the label.
  for (const label of ['Memory Limit', 'Warn Threshold', 'Memory Growth Rate', 'Restart Window', 'Request Timeout', 'Shutdown Grace', 'Sample Interval', 'Max Size']) {
    await searchSettings(search, `@ext:mcp-warden.mcp-warden ${label}`);
    const labels = await pollUntil(async () => {
      const all = await editor.locator('.setting-item-label').allTextContents();
      return all.includes(label) ? all : null;
    }, 15_000, 300);
    assert.ok(labels, `no setting labelled "${label}": ${JSON.stringify(await editor.locator('.setting-item-label').allTextContents())}`);
    for (const l of labels) assert.doesNotMatch(l, /\b(MB|Ms|Sec|Percent|Per Min|Megabytes)$/, `a label carries a unit: ${l}`);
  }
  await searchSettings(search, '@ext:mcp-warden.mcp-warden');

  // ... and the Remote tab the machine-scoped ones (Advanced: the helper's runtime and state dir; the embeddings
  // provider), each saying where it can be set in a local and a remote window.
  await editor.locator('.settings-tabs-widget .action-label', { hasText: /Remote/ }).first().click();
  const remote = await pollUntil(async () => {
    const t = (await toc.textContent()) ?? '';
    return t.includes('Advanced') && t.includes('Memory Store') ? t : null;
  }, 20_000, 500);
  assert.ok(remote, `Remote tab table of contents: ${await toc.textContent()}`);
  await searchSettings(search, '@ext:mcp-warden.mcp-warden Node Path');
  const nodePath = editor.locator('.setting-item-contents', { hasText: 'Node Path' }).first();
  await nodePath.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match((await nodePath.textContent()) ?? '', /User settings, or .* remote window .* Remote settings/);
  await parkMouse(page);
});

test('the palette lists only what applies', async () => {
  const page = s.page;
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  const listedFor = async (title: string): Promise<string[]> => {
    await input.fill(`>MCP Warden: ${title}`);
    await sleep(400);
    return (await page.locator('.quick-input-list .monaco-list-row').allTextContents()).filter((l) => l.includes(`MCP Warden: ${title}`));
  };
  assert.ok((await listedFor('Kill Orphans…')).length > 0, 'Kill Orphans is listed');
  assert.ok((await listedFor('Search Memories')).length > 0, 'Search Memories is listed');
  for (const absent of ['Show Servers', 'Stop All', 'Stop Server', 'Restart Server', 'Call Tool', 'Kill Process', 'Copy PID', 'Acknowledge Server Problems']) {
    const rows = await listedFor(absent);
    assert.deepEqual(rows.filter((r) => new RegExp(`MCP Warden: ${absent}(\\W|$)`).test(r)), [], `"${absent}" is listed with no server running`);
  }
  await page.keyboard.press('Escape');
});

test('Kill Orphans asks first, then says what it did', async () => {
  const page = s.page;
  await runCommand(page, 'MCP Warden: Kill Orphans…');
  const question = await answerDialog(page, 'Kill Orphans');
  assert.match(question, /Kill orphaned MCP server processes\?/);
  assert.match(question, /A live helper's servers and reused pids are never touched/);
  await waitForToast(page, /no orphaned processes found; nothing was killed|killed \d+ orphaned process/, 15_000);
});

/**
 * Types a query into the Settings editor's search box and checks it arrived whole: on a loaded machine the box (a
 * Monaco input) dropped keystrokes typed before it had focus, and the table of contents then showed another search.
 */
async function searchSettings(search: Locator, text: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await search.click();
    await search.page().keyboard.press('Control+A');
    await search.page().keyboard.type(text, { delay: 10 });
    const typed = await pollUntil(async () => ((await search.locator('.view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ') === text, 3000, 100);
    if (typed) return;
  }
  assert.fail(`the settings search box does not hold "${text}": "${await search.locator('.view-lines').textContent()}"`);
}
