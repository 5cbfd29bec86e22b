// Reads a config file for adoption: its bytes (kept for the backup), its text (only if it is valid UTF-8, so an edit
// cannot mangle it), its mode, and the real path a write must go to when the file is a symlink.
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';

export const MAX_ADOPT_FILE_BYTES = 64 * 1024 * 1024;

export interface ReadFile {
  /** The path as located. */
  path: string;
  /** Where it really is (the link's target when `path` is a symlink): writes go there, so the link stays a link. */
  realPath: string;
  bytes: Buffer;
  text: string;
  mode: number;
}

export type ReadResult = { kind: 'missing' } | { kind: 'unreadable'; message: string } | { kind: 'ok'; file: ReadFile };

export function readConfigFile(path: string): ReadResult {
  try {
    lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', message: (err as Error).message };
  }
  try {
    const realPath = realpathSync(path);
    const st = statSync(realPath);
    if (!st.isFile()) return { kind: 'unreadable', message: 'not a regular file' };
    if (st.size > MAX_ADOPT_FILE_BYTES) return { kind: 'unreadable', message: `larger than ${MAX_ADOPT_FILE_BYTES / 1024 / 1024} MB` };
    const bytes = readFileSync(realPath);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) return { kind: 'unreadable', message: 'not valid UTF-8' };
    return { kind: 'ok', file: { path, realPath, bytes, text, mode: st.mode & 0o7777 } };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'unreadable', message: 'a symlink to a file that does not exist' };
    return { kind: 'unreadable', message: (err as Error).message };
  }
}
