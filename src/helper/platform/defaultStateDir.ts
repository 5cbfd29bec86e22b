// The per-user default state dir ($MCP_WARDEN_STATE_DIR, else the platform's state location), as a path only.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MCP_WARDEN_STATE_DIR) return resolve(env.MCP_WARDEN_STATE_DIR);
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'mcp-warden');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'mcp-warden');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'mcp-warden');
}
