// Starts `mcp-warden daemon` detached for a state dir (its own session: a client's process group dying does not take
// it). Kept apart from the daemon command so `mcp-warden connect` loads only node:child_process for it.
import { spawn } from 'node:child_process';

export const DAEMON_START_TIMEOUT_MS = 15_000;

export function spawnDaemon(stateDir: string, extraArgs: string[] = []): { pid: number | undefined; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [process.argv[1]!, 'daemon', '--foreground', '--state-dir', stateDir, ...extraArgs], {
    detached: true,
    stdio: 'ignore',
    windowsHide: true,
    shell: false,
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  child.unref();
  return { pid: child.pid, exited };
}
