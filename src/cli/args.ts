// A small argument parser: options may come before or after positionals; `--name value` and `--name=value`.
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends Error {}

/** What each value option takes, for the message when it is missing (`--config needs a file`). */
const VALUE_NAMES: Readonly<Record<string, string>> = {
  config: 'a file',
  'state-dir': 'a directory',
  pid: 'a pid',
  project: 'a directory',
  client: 'a client name',
  'http-port': 'a port number',
  'http-host': 'a host',
};

export function parseArgs(argv: string[], valueOptions: readonly string[], flagOptions: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (flagOptions.includes(name)) {
        out.flags.add(name);
        continue;
      }
      if (!valueOptions.includes(name)) throw new UsageError(`unknown option --${name}`);
      // The next argument is never taken as the value when it is itself an option: `run --config --state-dir D` used
      // to read "--state-dir" as the config file, then supervise from the default state dir.
      const next = argv[i + 1];
      const value = eq > 0 ? a.slice(eq + 1) : next !== undefined && !next.startsWith('--') ? argv[++i] : undefined;
      if (value === undefined || value === '') throw new UsageError(`--${name} needs ${VALUE_NAMES[name] ?? 'a value'}${next?.startsWith('--') && eq < 0 ? ` (got the option ${next})` : ''}`);
      const list = out.options.get(name) ?? [];
      list.push(value);
      out.options.set(name, list);
      continue;
    }
    out.positionals.push(a);
  }
  return out;
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const list = args.options.get(name);
  return list?.[list.length - 1];
}
