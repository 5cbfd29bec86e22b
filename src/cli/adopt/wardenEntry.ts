// What a client's entry becomes once adopted (`<node> <dist/cli.js> connect NAME`), and how an entry that already
// reaches Warden is recognised, so a second adopt changes nothing.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { WardenLauncher } from './types';

export function connectArgs(launcher: WardenLauncher, wardenName: string): string[] {
  return [launcher.cli, 'connect', wardenName, ...(launcher.stateDir ? ['--state-dir', launcher.stateDir] : [])];
}

function base(p: string): string {
  // Either separator: a Windows path may be read on any platform.
  return basename(p.replace(/\\/g, '/')).toLowerCase();
}

/**
 * True when the entry already runs `mcp-warden connect …`: through the `mcp-warden` command, or a Node running a
 * mcp-warden cli.js (ours or another checkout's).
 */
export function reachesWarden(entry: { command?: unknown; args?: unknown }, launcher: WardenLauncher): boolean {
  if (typeof entry.command !== 'string') return false;
  const args = Array.isArray(entry.args) ? entry.args : [];
  const cmd = base(entry.command).replace(/\.(exe|cmd|ps1)$/, '');
  if (cmd === 'mcp-warden') return args[0] === 'connect';
  const at = args.indexOf('connect');
  if (at < 1) return false;
  const script = args[at - 1];
  if (typeof script !== 'string') return false;
  if (script === launcher.cli) return true;
  return /mcp-warden/i.test(script.replace(/\\/g, '/')) && ['cli.js', 'mcp-warden', 'mcp-warden.js'].includes(base(script));
}

export interface WardenTarget {
  /** The Warden server it connects to, and the state dir it names (undefined: the default). */
  name: string;
  stateDir: string | undefined;
  /** Runs exactly this Node and this cli.js. */
  current: boolean;
  /** Its Node or cli.js no longer exists (an update moved the extension, a checkout was deleted): it can only fail. */
  stale: boolean;
  script: string | null;
}

/** What an entry that reaches Warden (see reachesWarden) connects to, and whether its paths still work. */
export function wardenTarget(entry: { command?: unknown; args?: unknown }, launcher: WardenLauncher): WardenTarget | null {
  if (!reachesWarden(entry, launcher)) return null;
  const args = (entry.args as unknown[]).map(String);
  const at = args.indexOf('connect');
  const sd = args.indexOf('--state-dir', at);
  const stateDir = sd > at ? args[sd + 1] : undefined;
  const script = at >= 1 ? args[at - 1]! : null;
  const command = entry.command as string;
  const current = command === launcher.node && script === launcher.cli && stateDir === launcher.stateDir;
  const stale = script !== null && (!existsSync(command) || !existsSync(script));
  return { name: args[at + 1] ?? '', stateDir, current, stale, script };
}
