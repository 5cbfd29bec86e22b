// Claude Desktop: one `claude_desktop_config.json` (`mcpServers`) per user, in the platform's application data dir.
import type { ClientFile, LocateContext } from '../types';
import { appDataDir } from './home';
import { pathFor } from './pathFor';

export function claudeDesktopFiles(ctx: LocateContext): ClientFile[] {
  const p = pathFor(ctx.platform);
  const dirs: string[] = [];
  if (ctx.platform === 'win32') {
    dirs.push(p.join(appDataDir(ctx), 'Claude'));
    // The Microsoft Store / MSIX install keeps its roaming data inside the package's container.
    const local = ctx.env.LOCALAPPDATA || p.join(ctx.homeDir, 'AppData', 'Local');
    dirs.push(p.join(local, 'Packages', 'Claude_pzs8sxrjxfjjc', 'LocalCache', 'Roaming', 'Claude'));
  } else if (ctx.platform === 'darwin') {
    dirs.push(p.join(ctx.homeDir, 'Library', 'Application Support', 'Claude'));
  } else {
    dirs.push(p.join(ctx.env.XDG_CONFIG_HOME || p.join(ctx.homeDir, '.config'), 'Claude'));
  }
  return dirs.map((dir) => ({
    client: 'claude-desktop' as const,
    path: p.join(dir, 'claude_desktop_config.json'),
    format: 'json' as const,
    scope: 'user' as const,
    dialect: 'none' as const,
    containers: () => [{ path: ['mcpServers'] }],
  }));
}
