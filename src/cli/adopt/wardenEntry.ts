// What a client's entry becomes once adopted (`<node> <dist/cli.js> connect NAME`), and how an entry that already
// reaches Warden is recognised, so a second adopt changes nothing.
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
