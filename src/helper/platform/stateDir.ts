// Where the helper keeps its registry, control socket and memory database: a per-user, user-only directory.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensurePrivateDir } from './privatePaths';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MCP_WARDEN_STATE_DIR) return resolve(env.MCP_WARDEN_STATE_DIR);
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'mcp-warden');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'mcp-warden');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'mcp-warden');
}

/**
 * Creates the state dir (0700) or checks an existing one. Throws STATE_DIR_UNSAFE for a directory that is not ours or
 * is writable by group/others: its owner could plant registry entries (processes we would kill) or symlinks.
 */
export function ensureStateDir(dir: string): string {
  return ensurePrivateDir(dir, 'state directory');
}
