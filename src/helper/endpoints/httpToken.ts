// The per-user bearer token for Streamable HTTP over TCP: 32 random bytes, hex, in a 0600 file in the state dir.
// Made once and kept, so a client configured with it keeps working across engine restarts; a token file that is not
// ours alone (a symlink, another owner, group- or world-readable) is replaced, since others may have read it.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readPrivateFile, writeFileAtomic } from '../platform/privatePaths';

export function ensureHttpToken(path: string, log: (line: string) => void = () => undefined): string {
  try {
    const existing = readPrivateFile(path, 'HTTP token file').trim();
    const readableByOthers = process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0;
    if (readableByOthers) log(`The HTTP token file ${path} was readable by others; a new token replaces it.`);
    else if (/^[0-9a-f]{64}$/.test(existing)) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log(`${(err as Error).message} A new token replaces it.`);
  }
  const token = randomBytes(32).toString('hex');
  writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}
