// Where the helper keeps its registry, control socket and memory database: a per-user, user-only directory.
import { ensurePrivateDir } from './privatePaths';

// Where it is, apart from checking it: `mcp-warden connect` needs the path and nothing else (it stays small).
export { defaultStateDir } from './defaultStateDir';

/**
 * Creates the state dir (0700) or checks an existing one. Throws STATE_DIR_UNSAFE for a directory that is not ours or
 * is writable by group/others: its owner could plant registry entries (processes we would kill) or symlinks.
 */
export function ensureStateDir(dir: string): string {
  return ensurePrivateDir(dir, 'state directory');
}
