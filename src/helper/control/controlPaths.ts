// Where a helper's control socket and its discovery file live inside the (user-only) state directory.
import { readdirSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pidAlive } from '../platform/pidAlive';
import { readPrivateFile } from '../platform/privatePaths';

export interface HelperPointer {
  pid: number;
  socket: string;
  startedBy: 'vscode' | 'cli';
  workspace: string | null;
  startedAt: number;
}

export function controlSocketPath(stateDir: string, pid = process.pid): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\mcp-warden-${userInfo().username}-${pid}`;
  return join(stateDir, `control-${pid}.sock`);
}

export function pointerDir(stateDir: string): string {
  return join(stateDir, 'helpers');
}


/** Live helpers in this state dir, newest first; pointers and sockets of dead helpers are removed on the way. */
export function listHelpers(stateDir: string): HelperPointer[] {
  const dir = pointerDir(stateDir);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: HelperPointer[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const path = join(dir, name);
    try {
      // Only pointers that are ours (not symlinks, not writable by others) are believed, and only a socket inside this
      // state dir is ever removed: a planted pointer must not make us connect elsewhere or unlink an arbitrary file.
      const p = JSON.parse(readPrivateFile(path, 'helper pointer')) as HelperPointer;
      if (typeof p.socket !== 'string' || (process.platform !== 'win32' && dirname(resolve(p.socket)) !== resolve(stateDir))) throw new Error('foreign socket path');
      if (pidAlive(p.pid)) {
        out.push(p);
        continue;
      }
      try {
        if (process.platform !== 'win32') unlinkSync(p.socket);
      } catch {
        // already gone
      }
    } catch {
      // unreadable: treat as stale
    }
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it
    }
  }
  return out.sort((a, b) => b.startedAt - a.startedAt);
}
