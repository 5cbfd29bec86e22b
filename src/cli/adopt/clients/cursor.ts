// Cursor: `~/.cursor/mcp.json` for every project (%USERPROFILE%\.cursor on Windows) and a project's `.cursor/mcp.json`.
import type { ClientFile, LocateContext } from '../types';
import { pathFor } from './pathFor';

export function cursorFiles(ctx: LocateContext): ClientFile[] {
  const p = pathFor(ctx.platform);
  const files: ClientFile[] = [{
    client: 'cursor',
    path: p.join(ctx.homeDir, '.cursor', 'mcp.json'),
    format: 'json',
    scope: 'user',
    dialect: 'vscode',
    containers: () => [{ path: ['mcpServers'] }],
  }];
  if (ctx.projectDir) {
    const dir = ctx.projectDir;
    files.push({
      client: 'cursor',
      path: p.join(dir, '.cursor', 'mcp.json'),
      format: 'json',
      scope: 'project',
      dialect: 'vscode',
      containers: () => [{ path: ['mcpServers'], baseDir: dir, workspaceFolder: dir }],
    });
  }
  return files;
}
