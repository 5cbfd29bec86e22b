// Writes a file so that it appears complete or not at all: a user-only temp file beside the target, fsynced, then
// renamed over it (and the folder fsynced). A failure (no such folder, a directory, read-only, disk full) is a
// WardenError that says why, the temp file is removed, and whatever was at the target before is left untouched.
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WardenError, type WardenErrorCode } from '../../shared/errors';

/** Text is written in pieces of about this size: few system calls, bounded memory. */
const WRITE_CHUNK_CHARS = 1024 * 1024;

const REASONS: Record<string, string> = {
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full (no space left on the device)',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file is too large for this file system',
  EIO: 'an input/output error on the device',
  ENAMETOOLONG: 'the file name is too long',
};

function failure(code: WardenErrorCode, verb: string, path: string, err: unknown, existed: boolean): WardenError {
  const errno = (err as NodeJS.ErrnoException).code;
  const reason = (errno && REASONS[errno]) ?? (err as Error).message;
  const kept = existed ? ' The file that was there is unchanged.' : ' No file was written.';
  return new WardenError(code, `Cannot ${verb} to ${path}: ${reason}${errno ? ` (${errno})` : ''}.${kept}`);
}

export async function writeFileAtomically(path: string, pieces: AsyncIterable<string>, code: WardenErrorCode, verb: string): Promise<void> {
  let existed = false;
  try {
    const st = await stat(path);
    existed = true;
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw failure(code, verb, path, err, false);
  }
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(temp, 'wx', 0o600);
    let pending = '';
    for await (const piece of pieces) {
      pending += piece;
      if (pending.length >= WRITE_CHUNK_CHARS) {
        await fh.writeFile(pending);
        pending = '';
      }
    }
    if (pending) await fh.writeFile(pending);
    // The data must be on disk before the rename makes it the target, or a crash could leave an empty "backup".
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(temp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err instanceof WardenError ? err : failure(code, verb, path, err, existed);
  }
  try {
    // The rename itself is durable once the folder is synced; failing that (some file systems refuse) loses nothing.
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    // best effort
  }
}
