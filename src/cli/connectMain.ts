// The bundle `mcp-warden connect NAME [--state-dir DIR]` runs (dist/connect.js, loaded by dist/cli.js): the bridge and
// its argument parsing only, nothing that loads the SDK, a JSON-RPC library or the engine.
import { parseArgs, option } from './args';
import { runConnect } from './connectCommand';
import { defaultStateDir } from '../helper/platform/defaultStateDir';

function main(): Promise<number> | number {
  const argv = process.argv.slice(2);
  const rest = argv.filter((_, i) => i !== argv.indexOf('connect'));
  let parsed;
  try {
    parsed = parseArgs(rest, ['state-dir'], ['help']);
    if (!parsed.positionals[0] || parsed.positionals.length > 1 || parsed.flags.has('help')) throw new Error('usage: mcp-warden connect NAME [--state-dir DIR]');
  } catch (err) {
    process.stderr.write(`mcp-warden: ${(err as Error).message}\n`);
    return 2;
  }
  return runConnect(parsed.positionals[0], option(parsed, 'state-dir') ?? defaultStateDir());
}

void Promise.resolve(main()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mcp-warden connect: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
