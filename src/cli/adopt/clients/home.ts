// The user's home directory as a client would see it (HOME, or USERPROFILE on Windows), so tests can point it at a temp dir.
import { homedir } from 'node:os';
import { win32 } from 'node:path';

export function clientHomeDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  return (platform === 'win32' ? env.USERPROFILE : env.HOME) || homedir();
}

/** Windows' roaming application data dir (%APPDATA%), as a Windows path. */
export function appDataDir(ctx: { env: NodeJS.ProcessEnv; homeDir: string }): string {
  return ctx.env.APPDATA || win32.join(ctx.homeDir, 'AppData', 'Roaming');
}
