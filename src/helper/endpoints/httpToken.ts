// The per-user bearer token for Streamable HTTP over TCP: 32 random bytes, hex, in a 0600 file in the state dir.
// Made once and kept, so a client configured with it keeps working across engine restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

export function ensureHttpToken(path: string): string {
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(existing)) {
      if (process.platform !== 'win32') chmodSync(path, 0o600);
      return existing;
    }
  } catch {
    // none yet
  }
  const token = randomBytes(32).toString('hex');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  if (process.platform !== 'win32') chmodSync(path, 0o600);
  return token;
}
