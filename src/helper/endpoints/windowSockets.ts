// Removes the agent sockets (`mcp-<pid>.sock`) that VS Code helpers killed with -9 left in the state dir, so they do not pile up.
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../platform/pidAlive';

const WINDOW_SOCKET = /^mcp-(\d+)\.sock$/;

/** Returns how many were removed. Only sockets (or stale files) of pids that are gone; never a live helper's. */
export function removeDeadWindowSockets(stateDir: string, ownPid = process.pid): number {
  if (process.platform === 'win32') return 0; // named pipes vanish with their process
  let names: string[] = [];
  try {
    names = readdirSync(stateDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = WINDOW_SOCKET.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === ownPid || pidAlive(pid)) continue;
    const path = join(stateDir, name);
    try {
      // A symlink or directory with that name is not ours to remove.
      const st = lstatSync(path);
      if (!st.isSocket() && !st.isFile()) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // raced with another helper doing the same
    }
  }
  return removed;
}
