// Every client's config files, in one fixed order (the order collisions are resolved in).
import type { ClientFile, ClientId, LocateContext } from '../types';
import { claudeCodeFiles } from './claudeCode';
import { claudeDesktopFiles } from './claudeDesktop';
import { codexFiles } from './codex';
import { cursorFiles } from './cursor';
import { vscodeFiles } from './vscode';

const LOCATORS: Record<ClientId, (ctx: LocateContext) => ClientFile[]> = {
  'claude-code': claudeCodeFiles,
  'claude-desktop': claudeDesktopFiles,
  cursor: cursorFiles,
  vscode: vscodeFiles,
  codex: codexFiles,
};

export function clientFiles(clients: readonly ClientId[], ctx: LocateContext): ClientFile[] {
  return clients.flatMap((c) => LOCATORS[c](ctx));
}
