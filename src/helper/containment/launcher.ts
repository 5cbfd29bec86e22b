// Finds the launcher bundle (dist/launcher.js) and builds the command line that joins cgroups, then execs a server.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LaunchCommand } from './types';

/** Whether the Node running the engine can exec in place (22.15+ / 23.11+); the launcher runs on this Node. */
export const canExecInPlace = typeof (process as unknown as { execve?: unknown }).execve === 'function';

/**
 * dist/launcher.js beside the engine's bundle; tests run from out/… and find the repository's dist/ above them.
 * MCP_WARDEN_LAUNCHER overrides (a packaged layout we did not foresee).
 */
export function findLauncher(): string | undefined {
  const forced = process.env.MCP_WARDEN_LAUNCHER;
  if (forced) return existsSync(forced) ? forced : undefined;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    for (const candidate of [join(dir, 'launcher.js'), join(dir, 'dist', 'launcher.js')]) if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** ExperimentalWarning for process.execve would land in the server's stderr; the flag dies with the exec. */
export const LAUNCHER_NODE_FLAGS = ['--disable-warning=ExperimentalWarning'];

export function launchThroughLauncher(launcher: string | undefined, joinFiles: readonly string[], file: string, args: readonly string[]): LaunchCommand {
  if (!launcher || !canExecInPlace || joinFiles.length === 0) return { file, args: [...args], joinsItself: joinFiles.length === 0 };
  return {
    file: process.execPath,
    args: [...LAUNCHER_NODE_FLAGS, launcher, ...joinFiles, '--', file, ...args],
    joinsItself: true,
    viaLauncher: { joinFiles: [...joinFiles], file, args: [...args] },
  };
}
