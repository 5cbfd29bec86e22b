// `mcp-warden run`: the engine in the foreground over config files, with a live table on a TTY and JSON events otherwise.
import { resolve } from 'node:path';
import { startEngine } from '../helper/engine';
import { registerMemoryHandlers } from '../helper/memory/handlers';
import type { RequestHost } from '../helper/rpc/requestHost';
import { renderTable } from './statusTable';
import { guardStdio, safeLog, safeStdout } from '../helper/lifecycle/safeLog';

const REDRAW_MS = 1000;

export async function runSupervisor(configs: string[], stateDir: string): Promise<number> {
  const tty = process.stdout.isTTY === true;
  guardStdio();
  const log = safeLog;
  const engine = await startEngine({
    stateDir,
    startedBy: 'cli',
    log,
    registerExtra: (host: RequestHost) => registerMemoryHandlers(host, { stateDir }),
  });
  const { supervisor } = engine;
  if (!tty) {
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
  const report = await supervisor.configure({ files: configs.map((c) => ({ path: resolve(c), origin: 'cli', trusted: true, workspaceFolder: process.cwd() })), autoStart: true });
  for (const p of report.problems) log(`config: ${p.message}`);
  if (!report.servers.length) log('no servers configured; waiting (Ctrl-C to exit)');
  // Keep running until a signal; the engine's cleanup exits the process.
  await new Promise<never>(() => undefined);
  return 0;
}
