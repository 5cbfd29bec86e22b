// Drives the VS Code workbench in the page the way a person does: command palette, the Servers view, its rows and inline actions, the status bar.
import type { Locator, Page } from 'playwright-core';
import { sleep } from '../../support/procfs';

/** DOM id of Warden's status-bar item: `<publisher>.<name>.<item id>`. */
export const STATUS_ITEM_ID = 'mcp-warden.mcp-warden.mcpWarden.status';

/** Runs a command from the palette by its title ("MCP Warden: Show Servers"); retries while the editor is still
 * registering extension contributions (a command is listed only once its extension is known). */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await input.press('Enter');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not run "${title}" from the command palette within ${timeoutMs} ms: ${(err as Error).message.split('\n')[0]}`);
      await sleep(500);
    }
  }
}

/** Waits for Warden's status-bar item: the extension is installed and activated. */
export async function waitForWarden(page: Page, timeoutMs = 60_000): Promise<void> {
  await statusItem(page).waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Shows the MCP Warden container with its Servers view. */
export async function showServersView(page: Page): Promise<void> {
  await waitForWarden(page);
  await runCommand(page, 'MCP Warden: Focus on Servers View');
  await serversPane(page).waitFor({ state: 'visible', timeout: 30_000 });
}

/** The Servers view's tree: the pane whose header is "Servers" inside the MCP Warden container. */
export function serversPane(page: Page): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Servers/i }) }).locator('.monaco-list').first();
}

/** A server's row: its accessible label is "<name>, <state>, <description>". */
export function serverRow(page: Page, name: string): Locator {
  return serversPane(page).locator(`.monaco-list-row[aria-label^="${name}, "]`);
}

export async function rowLabel(page: Page, name: string): Promise<string | null> {
  const row = serverRow(page, name);
  if ((await row.count()) === 0) return null;
  return row.first().getAttribute('aria-label', { timeout: 2000 }).catch(() => null);
}

/** Waits until the server's row label matches; returns the label (throws with the last label seen). */
export async function waitForRow(page: Page, name: string, match: (label: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < deadline) {
    last = await rowLabel(page, name);
    if (last !== null && match(last)) return last;
    await sleep(250);
  }
  throw new Error(`${what}: row "${name}" did not get there within ${timeoutMs} ms; last label: ${JSON.stringify(last)}`);
}

/** Clicks one of a row's inline actions ("Stop Server", "Start Server", …), which show on hover. */
export async function clickInlineAction(page: Page, name: string, action: string): Promise<void> {
  const row = serverRow(page, name).first();
  await row.hover();
  const button = row.locator(`.actions .action-label[aria-label="${action}"]`);
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click();
}

/** Expands a tree row (select it, then Right arrow, as a keyboard user does) and waits until it reports expanded. */
export async function expandRow(row: Locator, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await row.getAttribute('aria-expanded')) !== 'true') {
    if (Date.now() > deadline) throw new Error(`row ${await row.getAttribute('aria-label')} did not expand`);
    await row.click();
    await row.press('ArrowRight');
    await sleep(300);
  }
}

/** Drags the side bar's edge so tree descriptions are readable in screenshots. */
export async function widenSideBar(page: Page, toX = 640): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(toX, y, { steps: 8 });
  await page.mouse.up();
}

/** Moves the pointer off every hover target (tooltips would cover the picture). */
export async function parkMouse(page: Page): Promise<void> {
  await page.mouse.move(1000, 700);
  await sleep(300);
}

export function statusItem(page: Page): Locator {
  return page.locator(`[id="${STATUS_ITEM_ID}"]`);
}

export interface StatusState {
  /** The accessible label: "MCP Warden <ok|warning|error>: 3 MCP · 1.2 GB". */
  label: string;
  /** ok / warning / error, from the item's CSS class (the background colour a person sees). */
  kind: 'ok' | 'warning' | 'error';
  background: string;
}

export async function readStatus(page: Page): Promise<StatusState | null> {
  return statusItem(page).evaluate((el) => {
    const a = el.querySelector('[aria-label]') ?? el;
    const cls = el.className;
    const kind = /\berror-kind\b/.test(cls) ? 'error' : /\bwarning-kind\b/.test(cls) ? 'warning' : 'ok';
    return { label: a.getAttribute('aria-label') ?? '', kind, background: (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor } as const;
  }).catch(() => null);
}

/** A notification toast whose text matches; waits for it. */
export async function waitForToast(page: Page, text: RegExp, timeoutMs: number): Promise<Locator> {
  const toast = page.locator('.notification-toast', { hasText: text }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  return toast;
}

/** Every visible notification's text (toasts, newest last). */
export async function toastTexts(page: Page): Promise<string[]> {
  return page.locator('.notification-toast').allTextContents().catch(() => []);
}

export async function clickToastButton(toast: Locator, label: string): Promise<void> {
  const button = toast.locator('.monaco-button', { hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click();
}

/** A modal dialog (confirmations): waits for it and clicks one of its buttons. */
export async function answerDialog(page: Page, button: string, timeoutMs = 15_000): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box').first();
  await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = (await dialog.textContent()) ?? '';
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  return text;
}

/** The quick input's text box (input boxes and quick picks). */
export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget .quick-input-box input');
}

/**
 * A notification, as a toast or — once VS Code has hidden the toast (an info toast hides after ~15 s, also one shown
 * while the test was still opening views) — in the notification center, opened for it. Returns the element holding
 * its text and buttons.
 */
export async function waitForNotification(page: Page, text: RegExp, timeoutMs: number): Promise<Locator> {
  const start = Date.now();
  const toast = page.locator('.notification-toast', { hasText: text }).first();
  const inCenter = page.locator('.notifications-center .monaco-list-row', { hasText: text }).first();
  while (Date.now() < start + timeoutMs) {
    if (await toast.isVisible().catch(() => false)) return toast;
    if (await inCenter.isVisible().catch(() => false)) return inCenter;
    // No toast for a while: it may already be hidden, so look in the center (opened once; it stays open).
    if (Date.now() - start > 5000 && !(await page.locator('.notifications-center.visible').isVisible().catch(() => false))) {
      await runCommand(page, 'Notifications: Show Notifications').catch(() => undefined);
    }
    await sleep(250);
  }
  throw new Error(`no notification matching ${text} within ${timeoutMs} ms; toasts: ${JSON.stringify(await toastTexts(page))}`);
}
