// VS Code: the user profile's `mcp.json` (`servers`) in Code/User (and each named profile's), VS Code Insiders' too,
// and a workspace's `.vscode/mcp.json`. The user data dir follows VS Code's own rule: VSCODE_APPDATA, then the platform's.
import { readdirSync } from 'node:fs';
import type { ClientFile, LocateContext } from '../types';
import { appDataDir } from './home';
import { pathFor } from './pathFor';

const PRODUCTS = ['Code', 'Code - Insiders'];

function vscodeAppData(ctx: LocateContext): string {
  const p = pathFor(ctx.platform);
  if (ctx.env.VSCODE_APPDATA) return ctx.env.VSCODE_APPDATA;
  if (ctx.platform === 'win32') return appDataDir(ctx);
  if (ctx.platform === 'darwin') return p.join(ctx.homeDir, 'Library', 'Application Support');
  return ctx.env.XDG_CONFIG_HOME || p.join(ctx.homeDir, '.config');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export function vscodeFiles(ctx: LocateContext): ClientFile[] {
  const p = pathFor(ctx.platform);
  const userFile = (path: string): ClientFile => ({
    client: 'vscode', path, format: 'json', scope: 'user', dialect: 'vscode', containers: () => [{ path: ['servers'] }],
  });
  const files: ClientFile[] = [];
  for (const product of PRODUCTS) {
    const user = p.join(vscodeAppData(ctx), product, 'User');
    files.push(userFile(p.join(user, 'mcp.json')));
    // Each named profile has its own mcp.json under User/profiles/<id>/.
    for (const id of listDir(p.join(user, 'profiles'))) files.push(userFile(p.join(user, 'profiles', id, 'mcp.json')));
  }
  if (ctx.projectDir) {
    const dir = ctx.projectDir;
    files.push({
      client: 'vscode',
      path: p.join(dir, '.vscode', 'mcp.json'),
      format: 'json',
      scope: 'project',
      dialect: 'vscode',
      containers: () => [{ path: ['servers'], baseDir: dir, workspaceFolder: dir }],
    });
  }
  return files;
}
