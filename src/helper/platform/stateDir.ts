// Where the helper keeps its registry, control socket and memory database: a per-user, user-only directory.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MCP_WARDEN_STATE_DIR) return resolve(env.MCP_WARDEN_STATE_DIR);
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'mcp-warden');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'mcp-warden');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'mcp-warden');
}

export function ensureStateDir(dir: string): string {
  const full = resolve(dir);
  mkdirSync(full, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    const st = statSync(full);
    // Tighten a directory we own that someone created with looser permissions; the control socket lives here.
    if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) chmodSync(full, 0o700);
  }
  return full;
}
