// Writes a file so a reader sees the old bytes or the new ones, never half: a fresh temp file beside it (created
// exclusively, so a symlink planted at that name is never followed), the wanted mode, fsync, then rename over the target.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** O_NOFOLLOW where the platform has it (not on Windows); O_EXCL already refuses any existing name, links included. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export function writeFileAtomic(target: string, data: string | Buffer, mode: number): void {
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.mcp-warden-tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode & 0o777);
  try {
    try {
      // The umask may have narrowed the mode given to open; the file keeps exactly the mode it had.
      if (process.platform !== 'win32') fchmodSync(fd, mode & 0o7777);
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* already renamed or never created */ }
    throw err;
  }
  syncDir(dir);
}

/** A new file that must not exist yet (a backup): exclusive create, user-only. */
export function writeNewFile(path: string, data: Buffer, mode = 0o600): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode);
  try {
    if (process.platform !== 'win32') fchmodSync(fd, mode);
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes the rename durable (POSIX); Windows cannot open a directory for this and does not need it. */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some file systems refuse a directory fsync; the rename itself is still atomic */ }
}
