// Finds a server's executable on PATH the way a shell would, so `npx`, `uvx` and Windows `.cmd` shims work without a shell.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { WardenError } from '../../shared/errors';

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pathOf(env: NodeJS.ProcessEnv): string {
  // Windows environments spell it Path.
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  return (key && env[key]) || '';
}

export function resolveCommand(command: string, env: NodeJS.ProcessEnv, cwd?: string, platform = process.platform): string {
  if (!command.trim()) throw new WardenError('SPAWN_FAILED', 'The server has an empty "command".');
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').map((e) => e.toLowerCase())] : [''];
  const hasSlash = command.includes('/') || (platform === 'win32' && command.includes('\\'));
  if (isAbsolute(command) || hasSlash) {
    const full = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    for (const ext of exts) if (isExecutable(full + ext)) return full + ext;
    throw new WardenError('SPAWN_FAILED', `The command '${command}' (${full}) does not exist or is not executable.`);
  }
  const dirs = pathOf(env).split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = join(dir, command + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  const shown = dirs.slice(0, 4).join(delimiter) + (dirs.length > 4 ? `${delimiter}…` : '');
  throw new WardenError(
    'SPAWN_FAILED',
    `The command '${command}' was not found on PATH (${shown || 'PATH is empty'}); install it or give its full path in "command".`,
  );
}
