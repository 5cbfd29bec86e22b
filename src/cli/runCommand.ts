// `mcp-warden run` (foreground: a live table on a TTY, JSON events otherwise) and the engine behind `mcp-warden daemon`:
// one engine per state dir that supervises the configured servers and serves MCP clients (connect, HTTP).
import { startEngine } from '../helper/engine';
import { registerMemoryHandlers, sharedMemoryStore } from '../helper/memory/handlers';
import { MEMORY_SERVER_NAME } from '../shared/protocol';
import type { RequestHost } from '../helper/rpc/requestHost';
import { watchConfigFiles } from '../helper/daemon/configWatch';
import { exitWhenIdle } from '../helper/daemon/idleExit';
import { startEagerServers } from '../helper/lazy/eager';
import { renderTable } from './statusTable';
import { engineConfigFiles } from './engineConfig';
import { guardStdio, safeLog, safeStdout } from '../helper/lifecycle/safeLog';

const REDRAW_MS = 1000;
/** The CLI's exit code for a bad config (see exitCodeFor in main.ts). */
const NO_VALID_SERVER_EXIT_CODE = 4;

export interface ServeOptions {
  configs: string[];
  stateDir: string;
  httpPort: number | null;
  httpHost?: string;
  /** The daemon: servers start when a client needs them; the process leaves after this long idle. */
  daemon?: { idleExitSec: number; log: (line: string) => void };
}

export async function runSupervisor(options: ServeOptions): Promise<number> {
  const { stateDir, daemon } = options;
  const tty = !daemon && process.stdout.isTTY === true;
  guardStdio();
  const log = daemon?.log ?? safeLog;
  const engine = await startEngine({
    stateDir,
    startedBy: 'cli',
    log,
    registerExtra: (host: RequestHost) => registerMemoryHandlers(host, { stateDir }),
    serveClients: {
      httpPort: options.httpPort,
      httpHost: options.httpHost,
      lockCommand: daemon ? 'mcp-warden daemon' : 'mcp-warden run',
      stopWhenUnused: !!daemon,
      // The memory store's MCP server, answered in-process at /mcp/mcp-warden-memory (VS Code's agent is offered it):
      // an agent's memory costs no process of its own.
      builtins: new Map([[MEMORY_SERVER_NAME, async () => {
        const { createMemoryMcpServer } = await import('../helper/memory/mcpServer');
        return createMemoryMcpServer(sharedMemoryStore({ stateDir }), 'vscode-agent');
      }]]),
    },
  });
  const { supervisor } = engine;
  if (daemon) {
    supervisor.onEvent((e) => log(e.message));
  } else if (!tty) {
    supervisor.onEvent((e) => safeStdout(`${JSON.stringify(e)}\n`));
  } else {
    let timer: NodeJS.Timeout | undefined;
    const draw = () => {
      timer = undefined;
      safeStdout(`\x1b[H\x1b[2J${renderTable(supervisor.snapshot())}\n\nCtrl-C stops every server and exits.\n`);
    };
    supervisor.onSnapshot(() => {
      timer ??= setTimeout(draw, REDRAW_MS);
    });
    supervisor.onEvent((e) => {
      if (e.kind !== 'state') log(e.message);
    });
    draw();
  }
  const files = engineConfigFiles(options.configs);
  // `run` starts every server now, as it always has; the daemon starts them when a client needs them.
  const configure = async (autoStart: boolean) => {
    // Through the engine's clients: editor windows attached to this engine add their own servers beside these.
    const report = await engine.clients!.setBase({ files: files.refs(), autoStart });
    for (const p of report.problems) log(`config: ${p.message}`);
    if (!autoStart) await startEagerServers(supervisor, log);
    return report;
  };
  const report = await configure(!daemon);
  if (!report.servers.length && !daemon) {
    // Nothing to supervise: say so and fail, rather than wait for a config that was meant to work.
    const why = report.problems.length ? `${report.problems.length} problem(s) above` : 'the config files define no servers';
    log(`no valid server in ${options.configs.join(', ')} (${why}); nothing to supervise.`);
    await engine.exit('no valid server configured', NO_VALID_SERVER_EXIT_CODE);
    return NO_VALID_SERVER_EXIT_CODE;
  }
  if (!report.servers.length) log('no servers configured yet; waiting for clients');
  // A reload reports added, removed and changed servers as events; `run` starts the added ones (and restarts only the
  // running ones whose launch changed), the daemon leaves starting to its clients.
  watchConfigFiles(files.watched, () => void configure(!daemon).catch((err: unknown) => log(`config reload failed: ${(err as Error).message}`)));
  log(`serving MCP clients on ${engine.endpoints?.unixSocket}${engine.endpoints?.http ? ` and ${engine.endpoints.http}` : ''}`);
  if (daemon && engine.sessions) exitWhenIdle(engine.sessions, supervisor, daemon.idleExitSec, (reason) => void engine.exit(reason), () => engine.clients?.windowCount ?? 0);
  // Keep running until a signal (or the daemon's idle exit); the engine's cleanup exits the process.
  await new Promise<never>(() => undefined);
  return 0;
}
