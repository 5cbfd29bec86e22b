// The `mcp-warden` command (dist/cli-main.js, loaded by dist/cli.js for every command but connect): checks Node, parses the command, dispatches.
import { exitIfNodeTooOld } from '../helper/platform/nodeVersion';
import { isOptionValue as isValueOf } from './optionValues';

exitIfNodeTooOld();

const USAGE = `mcp-warden — spawn, measure, cap and clean up local MCP servers

usage:
  mcp-warden run [--config FILE]… [--http-port N [--http-host 127.0.0.1|::1]] [--state-dir DIR] supervise servers in the foreground and serve MCP clients
  mcp-warden daemon [--config FILE]… [--http-port N] [--idle-exit-sec S] [--state-dir DIR]
                                                                    the same engine in the background (started on demand by connect)
  mcp-warden connect NAME [--state-dir DIR]                         a stdio MCP server that reaches NAME through the engine
  mcp-warden gateway [--servers a,b] [--state-dir DIR]              one stdio MCP server with the tools of all (or the named) servers
  mcp-warden status [--json] [--pid PID] [--state-dir DIR]          what a running helper supervises
  mcp-warden start|stop|restart NAME [--state-dir DIR]
  mcp-warden call NAME TOOL [JSON-ARGS] [--json] [--state-dir DIR]
  mcp-warden memory <add|search|get|delete|recent|import|export|stats> …   (mcp-warden memory --help)
  mcp-warden memory-server [--state-dir DIR] [--compat server-memory]   the memory store as an MCP stdio server
                                                                    (--compat: @modelcontextprotocol/server-memory's tools)
  mcp-warden adopt --client CLIENT|all [--project DIR] [--dry-run]   move other clients' servers under Warden
  mcp-warden unadopt [--client CLIENT] [--dry-run] [--force]         put their config files back byte for byte
  mcp-warden --version | --help

Options may come before or after the other arguments. The default state dir is per user
($XDG_STATE_HOME/mcp-warden or ~/.local/state/mcp-warden on Linux).`;

async function main(argv: string[]): Promise<number> {
  const { parseArgs, option, UsageError } = await import('./args');
  const { defaultStateDir } = await import('../helper/platform/stateDir');
  const { WardenError } = await import('../shared/errors');
  // Messages may quote user text (an id, a tag): printed with its control characters escaped.
  const { escapeForTerminal } = await import('./terminalText');
  const command = argv.find((a) => !a.startsWith('--') && !isOptionValue(argv, a));
  try {
    if (command === 'memory') {
      const { runMemoryCli } = await import('./memoryCommands');
      return await runMemoryCli(argv.filter((_, i) => i !== argv.indexOf('memory')));
    }
    if (command === 'memory-server') {
      const { runMemoryServer } = await import('./memoryCommands');
      return await runMemoryServer(argv.filter((_, i) => i !== argv.indexOf('memory-server')));
    }
    if (command === 'adopt' || command === 'unadopt') {
      const { runAdoptCommand } = await import('./adopt/command');
      return await runAdoptCommand(command, argv.filter((_, i) => i !== argv.indexOf(command)));
    }
    if (command === 'gateway') {
      const args = parseArgs(argv.filter((_, i) => i !== argv.indexOf('gateway')), ['state-dir', 'servers'], ['help']);
      if (args.positionals.length || args.flags.has('help')) throw new UsageError('usage: mcp-warden gateway [--servers a,b] [--state-dir DIR]');
      const list = option(args, 'servers');
      const servers = list === undefined ? null : list.split(',').map((s) => s.trim()).filter(Boolean);
      if (servers && !servers.length) throw new UsageError('--servers needs at least one server name (a,b,…)');
      const { runConnect } = await import('./connectCommand');
      return await runConnect('gateway', option(args, 'state-dir') ?? defaultStateDir(), { servers });
    }
    const args = parseArgs(argv, ['config', 'state-dir', 'pid', 'http-port', 'http-host', 'idle-exit-sec'], ['json', 'help', 'version', 'foreground']);
    if (args.flags.has('version')) {
      process.stdout.write('mcp-warden 0.1.0\n');
      return 0;
    }
    const [cmd, ...rest] = args.positionals;
    if (!cmd || args.flags.has('help')) {
      process.stdout.write(`${USAGE}\n`);
      return cmd || args.flags.has('help') ? 0 : 2;
    }
    const stateDir = option(args, 'state-dir') ?? defaultStateDir();
    if (cmd === 'run' || cmd === 'daemon') {
      const configs = [...(args.options.get('config') ?? []), ...rest];
      const portOpt = option(args, 'http-port');
      const httpPort = portOpt === undefined ? null : Number(portOpt);
      if (httpPort !== null && (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535)) throw new UsageError(`--http-port must be a port number from 0 to 65535 (0: any free port), got ${portOpt}`);
      const httpHost = option(args, 'http-host') ?? '127.0.0.1';
      // Refused before anything starts: a non-loopback bind would let other machines call the servers.
      const { assertLoopbackHost } = await import('../helper/endpoints/tcpListener');
      assertLoopbackHost(httpHost);
      if (cmd === 'daemon') {
        const { runDaemon, idleExitSec } = await import('./daemonCommand');
        return await runDaemon({ configs, stateDir, httpPort, httpHost, idleExitSec: idleExitSec(option(args, 'idle-exit-sec')), foreground: args.flags.has('foreground') });
      }
      const { runSupervisor } = await import('./runCommand');
      return await runSupervisor({ configs, stateDir, httpPort, httpHost });
    }
    if (['status', 'start', 'stop', 'restart', 'call'].includes(cmd)) {
      const pidOpt = option(args, 'pid');
      const { remoteCommand } = await import('./remoteCommands');
      return await remoteCommand(cmd, rest, stateDir, args.flags.has('json'), pidOpt ? Number(pidOpt) : undefined);
    }
    throw new UsageError(`unknown command "${cmd}"\n\n${USAGE}`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`mcp-warden: ${escapeForTerminal(err.message)}\n`);
      return 2;
    }
    const e = WardenError.from(err);
    process.stderr.write(`mcp-warden: ${escapeForTerminal(e.message)}\n`);
    return exitCodeFor(e.code);
  }
}

/** Distinct exit codes for what a script may want to tell apart (README, CLI). */
function exitCodeFor(code: string): number {
  if (code === 'HELPER_UNAVAILABLE') return 3;
  if (code === 'CONFIG_INVALID') return 4;
  if (code === 'STATE_DIR_UNSAFE') return 77; // sysexits EX_NOPERM
  return 1;
}

/** `--state-dir memory` must not be taken for the `memory` command. */
function isOptionValue(argv: string[], a: string): boolean {
  return isValueOf(argv[argv.indexOf(a) - 1]);
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mcp-warden: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
