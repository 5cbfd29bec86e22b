// The daemon's log: lines appended to a file in the state dir, bounded — past maxBytes the file becomes `.1`
// (replacing the previous one) and a new one starts, so the log never holds more than about twice maxBytes.
import { renameSync, statSync } from 'node:fs';
import { appendNoFollow } from '../platform/privatePaths';

export const DAEMON_LOG_MAX_BYTES = 1024 * 1024;
const LINE_MAX_CHARS = 4096;

export function rotatingLog(path: string, maxBytes = DAEMON_LOG_MAX_BYTES): (line: string) => void {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // a new file
  }
  return (line: string) => {
    const text = `${new Date().toISOString()} ${line.length > LINE_MAX_CHARS ? `${line.slice(0, LINE_MAX_CHARS)}…` : line}\n`;
    try {
      if (size + text.length > maxBytes) {
        renameSync(path, `${path}.1`);
        size = 0;
      }
      appendNoFollow(path, text); // never through a symlink planted at the log's path
      size += Buffer.byteLength(text);
    } catch {
      // a full disk must not stop the engine
    }
  };
}
