// End to end: Call Tool checks the arguments against the tool's schema as you type, then opens the result as a
// read-only document titled "server › tool (N ms)" with the arguments and the result; recent calls are listed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CodeServerSession, fixtureServer } from './support/codeServer';
import { sleep } from '../support/procfs';
import { expandRow, parkMouse, quickInput, runCommand, serverRow, serversPane, showServersView, waitForRow, widenSideBar } from './support/workbench';

let s: CodeServerSession;

before(async () => {
  s = await CodeServerSession.start({ label: 'calltool', servers: (run) => ({ 'well-behaved': fixtureServer(run, 'well-behaved', 'well-behaved.mjs') }) });
  await s.openWorkbench();
  await showServersView(s.page);
  await widenSideBar(s.page);
  await waitForRow(s.page, 'well-behaved', (l) => /, running, /.test(l), 60_000, 'well-behaved running');
});

after(async () => {
  if (s) await s.dispose();
});

test('Call Tool opens the result as a read-only document titled "server › tool (N ms)"', async () => {
  const page = s.page;
  await expandRow(serverRow(page, 'well-behaved').first());
  const tools = serversPane(page).locator('.monaco-list-row[aria-label^="Tools of well-behaved"]').first();
  await tools.waitFor({ state: 'visible', timeout: 10_000 });
  await expandRow(tools);
  const echo = serversPane(page).locator('.monaco-list-row[aria-label^="Tool echo of well-behaved"]').first();
  await echo.waitFor({ state: 'visible', timeout: 10_000 });
  await echo.hover();
  await echo.locator('.actions .action-label[aria-label="Call Tool"]').click();
  const input = quickInput(page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  const widget = page.locator('.quick-input-widget');
  assert.match((await widget.textContent()) ?? '', /Fields: text \(string, required\)/);
  assert.equal(await input.inputValue(), '{"text":""}');
  // A wrong type is caught before the call leaves the editor.
  await input.fill('{"text": 42}');
  await widget.locator('.quick-input-message', { hasText: 'text: must be string' }).waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill('{"text": "hello from e2e"}');
  await sleep(300);
  await input.press('Enter');
  const tab = page.locator('.tab', { hasText: /well-behaved › echo \(\d+(\.\d+)? m?s\)/ }).first();
  await tab.waitFor({ state: 'visible', timeout: 20_000 });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: 'hello from e2e' }).waitFor({ state: 'visible', timeout: 10_000 });
  const content = (await editor.locator('.view-lines').textContent()) ?? '';
  assert.match(content, /"arguments"/);
  assert.match(content, /"result"/);
  assert.doesNotMatch(content, /`/);
  await parkMouse(page);
  await s.screenshot('call-tool');
  // Read-only: typing changes nothing, and closing asks nothing.
  await editor.locator('.view-lines').click();
  await page.keyboard.type('XYZ');
  await sleep(300);
  assert.doesNotMatch((await editor.locator('.view-lines').textContent()) ?? '', /XYZ/);
  assert.equal(await tab.evaluate((el) => el.classList.contains('dirty')), false);
  await page.keyboard.press('Control+W');
  await sleep(500);
  assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'closing the result asked to save it');
  await tab.waitFor({ state: 'hidden', timeout: 10_000 });
  // The call is in the recent calls.
  await runCommand(page, 'MCP Warden: Show Recent Tool Calls…');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'well-behaved › echo' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Escape');
});
