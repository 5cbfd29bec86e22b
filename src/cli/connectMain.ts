// The bundle `mcp-warden connect NAME` and `mcp-warden gateway [--servers a,b]` run (dist/connect.js, loaded by
// dist/cli.js): the bridge and its argument parsing only, nothing that loads the SDK, a JSON-RPC library or the engine.
import { parseArgs, option } from './args';
import { isOptionValue } from './optionValues';
import { runConnect } from './connectCommand';
import { defaultStateDir } from '../helper/platform/defaultStateDir';

const CONNECT_USAGE = 'usage: mcp-warden connect NAME [--state-dir DIR]';
const GATEWAY_USAGE = 'usage: mcp-warden gateway [--servers a,b] [--state-dir DIR]';

function main(): Promise<number> | number {
  const argv = process.argv.slice(2);
  // The command as dist/cli.js found it: the first argument that is neither an option nor an option's value.
  const at = argv.findIndex((a, i) => !a.startsWith('--') && !isOptionValue(argv[i - 1]));
  const gateway = argv[at] === 'gateway';
  const rest = argv.filter((_, i) => i !== at);
  let parsed;
  let servers: string[] | null = null;
  try {
    parsed = parseArgs(rest, gateway ? ['state-dir', 'servers'] : ['state-dir'], ['help']);
    if (gateway) {
      if (parsed.positionals.length || parsed.flags.has('help')) throw new Error(GATEWAY_USAGE);
      const list = option(parsed, 'servers');
      servers = list === undefined ? null : list.split(',').map((s) => s.trim()).filter(Boolean);
      if (servers && !servers.length) throw new Error('--servers needs at least one server name (a,b,…)');
    } else if (!parsed.positionals[0] || parsed.positionals.length > 1 || parsed.flags.has('help')) {
      throw new Error(CONNECT_USAGE);
    }
  } catch (err) {
    process.stderr.write(`mcp-warden: ${(err as Error).message}\n`);
    return 2;
  }
  const stateDir = option(parsed, 'state-dir') ?? defaultStateDir();
  return gateway ? runConnect('gateway', stateDir, { servers }) : runConnect(parsed.positionals[0]!, stateDir);
}

void Promise.resolve(main()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mcp-warden bridge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
