// The config files an engine that serves clients reads: the --config files given, then Warden's user config
// (`userServersConfigPath()`), and a watcher that re-reads them when they change.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigFileRef } from '../shared/protocol';
import { userServersConfigPath } from '../helper/platform/userConfig';

export function engineConfigFiles(configs: string[]): { refs: () => ConfigFileRef[]; watched: string[] } {
  const cli = configs.map((c) => resolve(c));
  const user = userServersConfigPath();
  try {
    // Watched from the start, so servers adopted later reach a running engine.
    mkdirSync(dirname(user), { recursive: true, mode: 0o700 });
  } catch {
    // read-only home: the user config is simply absent
  }
  return {
    refs: () => [
      ...cli.map((path): ConfigFileRef => ({ path, origin: 'cli', trusted: true, workspaceFolder: process.cwd() })),
      ...(existsSync(user) && !cli.includes(user) ? [{ path: user, origin: 'user', trusted: true } as ConfigFileRef] : []),
    ],
    watched: [...cli, user],
  };
}
