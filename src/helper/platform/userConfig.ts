// Where Warden's own user-level server config lives: `<XDG config dir>/mcp-warden/servers.json` and its platform equivalents.
// The engine reads it beside any --config files; `mcp-warden adopt` moves other clients' servers into it.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The directory holding Warden's user config (not the state dir: config is what the user edits, state is what Warden writes). */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MCP_WARDEN_CONFIG_DIR) return resolve(env.MCP_WARDEN_CONFIG_DIR);
  if (platform === 'win32') return join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'mcp-warden');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'mcp-warden');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mcp-warden');
}

/** Warden's user-level servers file (same format as any other config file Warden reads). */
export function userServersConfigPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return join(userConfigDir(env, platform), 'servers.json');
}
