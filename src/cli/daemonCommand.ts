// `mcp-warden daemon`: the engine of `run`, detached, logging to a bounded file in the state dir. Without
// --foreground it starts itself in the background, waits until its socket answers, and says where it is.
import { connect } from 'node:net';
import { ensureStateDir } from '../helper/platform/stateDir';
import { daemonLogPath, engineLockPath, engineSocketPath } from '../helper/endpoints/paths';
import { DEFAULT_DAEMON_IDLE_EXIT_SEC } from '../helper/daemon/idleExit';
import { UsageError } from './args';
import { DAEMON_START_TIMEOUT_MS, spawnDaemon } from './daemonSpawn';


export function idleExitSec(flag: string | undefined): number {
  const raw = flag ?? process.env.MCP_WARDEN_DAEMON_IDLE_EXIT_SEC;
  if (raw === undefined || raw === '') return DEFAULT_DAEMON_IDLE_EXIT_SEC;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1 || n > 7 * 86_400) throw new UsageError(`daemonIdleExitSec must be a number of seconds from 1 to 604800 (got ${JSON.stringify(raw)})`);
  return n;
}

/** True once something answers on the engine socket. */
export function engineAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const timer = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

export async function runDaemon(options: { configs: string[]; stateDir: string; httpPort: number | null; httpHost: string; idleExitSec: number; foreground: boolean }): Promise<number> {
  const stateDir = ensureStateDir(options.stateDir);
  if (options.foreground) {
    const { rotatingLog } = await import('../helper/daemon/rotatingLog');
    const { runSupervisor } = await import('./runCommand');
    const log = rotatingLog(daemonLogPath(stateDir));
    log(`daemon ${process.pid} starting (state dir ${stateDir})`);
    try {
      return await runSupervisor({ configs: options.configs, stateDir, httpPort: options.httpPort, httpHost: options.httpHost, daemon: { idleExitSec: options.idleExitSec, log } });
    } catch (err) {
      log(`daemon ${process.pid} did not start: ${(err as Error).message}`);
      throw err;
    }
  }
  const { lockHolder } = await import('../helper/daemon/engineLock');
  const { createProcessTable } = await import('../helper/sampling/processTable');
  const table = createProcessTable();
  const lockPath = engineLockPath(stateDir);
  const holder = await lockHolder(lockPath, table);
  if (holder) {
    process.stderr.write(`mcp-warden daemon: an engine already serves ${stateDir}: pid ${holder.pid} (\`${holder.command}\`) holds ${lockPath}\n`);
    return 1;
  }
  const args = [...options.configs.flatMap((c) => ['--config', c]), ...(options.httpPort !== null ? ['--http-port', String(options.httpPort), '--http-host', options.httpHost] : []), '--idle-exit-sec', String(options.idleExitSec)];
  const socket = engineSocketPath(stateDir);
  const child = spawnDaemon(stateDir, args);
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  const deadline = Date.now() + DAEMON_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const { readFileSync } = await import('node:fs');
      let last = '';
      try {
        last = readFileSync(daemonLogPath(stateDir), 'utf8').trim().split('\n').slice(-1)[0] ?? '';
      } catch {
        // no log
      }
      process.stderr.write(`mcp-warden daemon: it exited (code ${exitCode})${last ? `: ${last.replace(/^\S+ /, '')}` : ''}\n`);
      return 1;
    }
    const now = await lockHolder(lockPath, table);
    if (now && now.pid !== child.pid) {
      process.stderr.write(`mcp-warden daemon: another engine took ${stateDir} meanwhile: pid ${now.pid} (\`${now.command}\`)\n`);
      return 1;
    }
    if (now && (await engineAnswers(socket, 500))) {
      process.stdout.write(`mcp-warden daemon: pid ${child.pid} serving ${socket} (log ${daemonLogPath(stateDir)})\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`mcp-warden daemon: no answer on ${socket} within ${DAEMON_START_TIMEOUT_MS / 1000} s; see ${daemonLogPath(stateDir)}\n`);
  return 1;
}
