// Codex: `[mcp_servers.NAME]` tables in `$CODEX_HOME/config.toml` (default ~/.codex) and a trusted project's `.codex/config.toml`.
import type { ClientFile, LocateContext } from '../types';
import { pathFor } from './pathFor';

export function codexFiles(ctx: LocateContext): ClientFile[] {
  const p = pathFor(ctx.platform);
  const home = ctx.env.CODEX_HOME || p.join(ctx.homeDir, '.codex');
  const files: ClientFile[] = [{
    client: 'codex', path: p.join(home, 'config.toml'), format: 'toml', scope: 'user', dialect: 'none',
    containers: () => [{ path: ['mcp_servers'] }],
  }];
  if (ctx.projectDir) {
    const dir = ctx.projectDir;
    files.push({
      client: 'codex', path: p.join(dir, '.codex', 'config.toml'), format: 'toml', scope: 'project', dialect: 'none',
      containers: () => [{ path: ['mcp_servers'], baseDir: dir }],
    });
  }
  return files;
}
