// User-only directories and files that nobody else can steer: ownership and mode checks, writes that never follow
// a symlink (O_EXCL | O_NOFOLLOW temp file with a random name, renamed into place) and reads that check what they opened.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WardenError } from '../../shared/errors';

const POSIX = process.platform !== 'win32';
// O_NOFOLLOW does not exist on Windows (constants.O_NOFOLLOW is undefined there); the checks below are POSIX-only.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

function myUid(): number | undefined {
  return process.getuid?.();
}

function modeText(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Why a stat result is not safe for us to trust (owned by someone else, or writable by group/others), or null. */
export function unsafeReason(st: Stats, uid = myUid()): string | null {
  if (!POSIX || uid === undefined) return null;
  if (st.uid !== uid) return `is owned by uid ${st.uid}, not by you (uid ${uid})`;
  if ((st.mode & 0o022) !== 0) {
    const who = [st.mode & 0o020 ? 'its group' : '', st.mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
    return `is writable by ${who} (mode ${modeText(st.mode)})`;
  }
  return null;
}

function refuse(what: string, path: string, why: string, fix: string): WardenError {
  return new WardenError('STATE_DIR_UNSAFE', `Refusing the ${what} ${path}: it ${why}, so someone else could steer MCP Warden through it. ${fix}`);
}

/**
 * Checks a directory we are about to keep state in. A symlink is accepted only if it is ours too (its owner could
 * otherwise swap it later); the directory itself must be ours and not writable by group or others.
 */
export function assertPrivateDir(path: string, what: string): void {
  if (!POSIX) return;
  const full = resolve(path);
  const link = lstatSync(full);
  if (link.isSymbolicLink() && link.uid !== myUid()) {
    throw refuse(what, full, `is a symlink owned by uid ${link.uid}`, 'Remove it or choose another directory (--state-dir).');
  }
  const st = link.isSymbolicLink() ? statSync(full) : link;
  if (!st.isDirectory()) throw refuse(what, full, 'is not a directory', 'Remove it or choose another directory (--state-dir).');
  const why = unsafeReason(st);
  if (why) {
    const fix = st.uid === myUid() ? `Run \`chmod 700 ${full}\` or choose another directory (--state-dir).` : 'Choose a directory of your own (--state-dir) or remove this one.';
    throw refuse(what, full, why, fix);
  }
}

/** Creates a user-only directory (0700) or checks an existing one, tightening read bits on one that is already ours. */
export function ensurePrivateDir(path: string, what: string): string {
  const full = resolve(path);
  mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(full, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  assertPrivateDir(full, what);
  if (POSIX) {
    const st = statSync(full);
    // Ours and not writable by others, but readable: the control socket and registry live here, so make it 0700.
    if ((st.mode & 0o077) !== 0) chmodSync(full, 0o700);
  }
  return full;
}

/**
 * Writes a file atomically without ever following a symlink: a temp file with a random name created with
 * O_EXCL | O_NOFOLLOW (a planted link or file makes it fail, never write through), fsync, rename over the target
 * (rename replaces a link at the target path itself, never its target). A crash mid-write leaves the old version.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
  try {
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or gone
    }
    throw err;
  }
}

/** Creates a new file (never an existing one, never through a symlink) with this content, fsynced. */
export function writeNewFile(path: string, data: string, mode = 0o600): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends to a file, creating it 0600 if needed; a symlink at the path makes it fail (ELOOP) instead of writing through. */
export function appendNoFollow(path: string, data: string, mode = 0o600): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW, mode);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file that must be a regular file of ours, not writable by others, and not a symlink. The checks are made
 * on the opened descriptor (fstat), so the file cannot be swapped between the check and the read.
 * Throws a WardenError (STATE_DIR_UNSAFE) naming the reason when the file is not to be trusted.
 */
export function readPrivateFile(path: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw refuse(what, path, 'is a symlink', 'It was not read.');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse(what, path, 'is not a regular file', 'It was not read.');
    const why = unsafeReason(st);
    if (why) throw refuse(what, path, why, 'It was not read or acted on.');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
