// End to end: a remembered selection opens as a readable document titled by its first line, with its metadata and a
// link back to the file and lines it came from; the save toast offers Open and Undo; categories are suggested from
// the ones already in the store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeServerSession, node24, repoRoot } from './support/codeServer';
import { sleep } from '../support/procfs';
import { clickToastButton, parkMouse, quickInput, runCommand, toastTexts, waitForToast, waitForWarden } from './support/workbench';

let s: CodeServerSession;

function memoryCli(...args: string[]): unknown {
  const r = spawnSync(node24, [join(repoRoot, 'dist', 'cli.js'), 'memory', ...args, '--state-dir', s.stateDir, '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `mcp-warden memory ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

before(async () => {
  s = await CodeServerSession.start({ label: 'memories', servers: () => ({}) });
  await s.openWorkbench();
  await waitForWarden(s.page);
  memoryCli('add', 'an earlier decision from a terminal', '--category', 'decision');
});

after(async () => {
  if (s) await s.dispose();
});

/** Runs a palette command without the Escape runCommand starts with (it would clear the editor's selection). */
async function paletteKeepingSelection(title: string): Promise<void> {
  const page = s.page;
  await page.keyboard.press('F1');
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
}

/** Opens the workspace README and selects whole lines `from`..`to` (1-based; long lines wrap, so not with arrow keys). */
async function selectReadmeLines(from: number, to: number): Promise<void> {
  const page = s.page;
  await runCommand(page, 'Go to File');
  const input = quickInput(page);
  await input.fill('README.md');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'README.md' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await input.press('Enter');
  await page.locator('.tab.active', { hasText: 'README.md' }).waitFor({ state: 'visible', timeout: 15_000 });
  await runCommand(page, 'Go to Line/Column');
  await input.fill(`:${from}`);
  await input.press('Enter');
  for (let i = from; i <= to; i++) await paletteKeepingSelection('Expand Line Selection');
}

async function remember(category: string, tags: string): Promise<string> {
  const page = s.page;
  const input = quickInput(page);
  await paletteKeepingSelection('MCP Warden: Remember Selection');
  await page.locator('.quick-input-widget', { hasText: 'Remember Selection (1/2)' }).waitFor({ state: 'visible', timeout: 10_000 });
  // The categories already in the store are offered.
  const suggestion = page.locator('.quick-input-list .monaco-list-row', { hasText: 'decision' }).first();
  await suggestion.waitFor({ state: 'visible', timeout: 10_000 });
  const listed = (await page.locator('.quick-input-list').textContent()) ?? '';
  assert.match(listed, /decision\s*\d+ memor(y|ies)/);
  await input.fill(category);
  await sleep(200);
  await input.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'Remember Selection (2/2)' }).waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(tags);
  await input.press('Enter');
  return listed;
}

test('a remembered selection opens as a titled document with its metadata and a link back to its file and lines', async () => {
  await selectReadmeLines(3, 4);
  await remember('decision', 'e2e');
  const toast = await waitForToast(s.page, /remembered “The end-to-end tests copy this folder/, 15_000).catch(async (err: Error) => {
    throw new Error(`${err.message}\ntoasts: ${JSON.stringify(await toastTexts(s.page))}`);
  });
  assert.match((await toast.textContent()) ?? '', /Undo/);
  await clickToastButton(toast, 'Open');
  const tab = s.page.locator('.tab', { hasText: 'The end-to-end tests copy this folder' }).first();
  await tab.waitFor({ state: 'visible', timeout: 15_000 });
  const source = s.page.locator('.view-line', { hasText: 'Source: README.md, lines 3–4' }).first();
  await source.waitFor({ state: 'visible', timeout: 15_000 }).catch(async (err: Error) => {
    await s.screenshot('memory-failed');
    const shown = await s.page.locator('.editor-instance .view-lines').allTextContents();
    throw new Error(`${err.message}\nshown: ${JSON.stringify(shown)}`);
  });
  const editor = s.page.locator('.monaco-editor', { has: source });
  // Monaco renders spaces as no-break spaces.
  const text = ((await editor.locator('.view-lines').textContent()) ?? '').replace(/\u00a0/g, ' ');
  assert.match(text, /Category: decision · Tags: e2e/);
  assert.doesNotMatch(text, /^#/, 'no heading repeating the content');
  await parkMouse(s.page);
  await s.screenshot('memory');
  // The source line is a link (the editor underlines it): following it opens README.md at line 3. With the keyboard:
  // a mouse click on a link the editor is still decorating can land on the overlay instead.
  await source.locator('.detected-link, .detected-link-active').first().waitFor({ state: 'visible', timeout: 15_000 });
  await s.page.keyboard.press('Control+End');
  await s.page.keyboard.press('ArrowUp');
  await s.page.keyboard.press('ArrowUp');
  await s.page.keyboard.press('Home');
  for (let i = 0; i < 12; i++) await s.page.keyboard.press('ArrowRight');
  await paletteKeepingSelection('Open Link');
  await s.page.locator('.tab.active', { hasText: 'README.md' }).waitFor({ state: 'visible', timeout: 15_000 });
  const status = s.page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  await status.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match((await status.textContent()) ?? '', /Ln 3,/);
});

test('Undo on the save toast forgets the memory again', async () => {
  const before = (memoryCli('stats') as { count: number }).count;
  await selectReadmeLines(5, 5);
  await remember('fact', '');
  const toast = await waitForToast(s.page, /remembered “never committed\)/, 15_000);
  assert.equal((memoryCli('stats') as { count: number }).count, before + 1);
  await clickToastButton(toast, 'Undo');
  await waitForToast(s.page, /forgot “never committed\)/, 15_000);
  assert.equal((memoryCli('stats') as { count: number }).count, before);
});
