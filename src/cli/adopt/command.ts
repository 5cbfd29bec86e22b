// `mcp-warden adopt` and `mcp-warden unadopt`: parse the options, plan, print the diff, then write (unless --dry-run).
import { realpathSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { resolve } from 'node:path';
import { defaultStateDir } from '../../helper/platform/stateDir';
import { userServersConfigPath } from '../../helper/platform/userConfig';
import { WardenError } from '../../shared/errors';
import { option, parseArgs, UsageError } from '../args';
import { adoptDir } from './adoptionLog';
import { applyAdoption } from './apply';
import { clientFiles } from './clients';
import { clientHomeDir } from './clients/home';
import { redact, unifiedDiff } from './diff';
import { parseJsonText } from './jsonEdit';
import { collectSecrets, planAdoption, type AdoptionPlan } from './planner';
import { readConfigFile } from './readFile';
import { CLIENT_IDS, type ClientId, type WardenLauncher } from './types';
import { applyUnadoption, planUnadoption } from './unadopt';

export const ADOPT_USAGE = `usage:
  mcp-warden adopt --client CLIENT [--client …] [--project DIR] [--dry-run] [--json] [--state-dir DIR]
  mcp-warden unadopt [--client CLIENT …] [--dry-run] [--force] [--state-dir DIR]

CLIENT: ${CLIENT_IDS.join(', ')}, or all (a comma-separated list works too).
adopt moves every local stdio server in those clients' MCP config files into Warden's user config and points the
client's entry at it (\`<node> <mcp-warden cli.js> connect NAME\`). It prints a diff first; --dry-run stops there.
--json prints one object (diffs, moved, left alone and why, unparseable files) instead of the report.
--project DIR also adopts that project's own files (.mcp.json, .cursor/mcp.json, .vscode/mcp.json, .codex/config.toml).
unadopt puts every adopted file back byte for byte; a file edited since needs --force (its edits are kept as a backup).`;

interface Out {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function parseClients(values: string[] | undefined, required: boolean): ClientId[] | 'all' {
  if (!values?.length) {
    if (required) throw new UsageError(`adopt needs --client (${CLIENT_IDS.join(', ')} or all)\n\n${ADOPT_USAGE}`);
    return 'all';
  }
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.includes('all')) return 'all';
  for (const n of names) if (!(CLIENT_IDS as readonly string[]).includes(n)) throw new UsageError(`unknown client "${n}" (known: ${CLIENT_IDS.join(', ')}, all)`);
  // In the fixed order, whatever order they were given in: collision names must not depend on it.
  return CLIENT_IDS.filter((c) => names.includes(c));
}

/** The command line clients get: this Node and this cli.js, absolute; --state-dir only when it is not the default. */
export function currentLauncher(stateDir: string, env: NodeJS.ProcessEnv = process.env): WardenLauncher {
  // The default as a client would compute it: clients do not see an MCP_WARDEN_STATE_DIR set in this shell.
  const plainDefault = defaultStateDir({ ...env, MCP_WARDEN_STATE_DIR: undefined });
  const dir = resolve(stateDir);
  return { node: process.execPath, cli: realpathSync(process.argv[1] ?? __filename), stateDir: dir === plainDefault ? undefined : dir };
}

function secretsOf(plan: AdoptionPlan): string[] {
  return [...plan.secrets, ...plan.moved.flatMap((m) => Object.values(m.definition?.env ?? {}))];
}

export async function runAdoptCommand(command: 'adopt' | 'unadopt', argv: string[], io: Out = stdio): Promise<number> {
  const args = parseArgs(argv, ['client', 'project', 'state-dir'], ['dry-run', 'force', 'help', 'json']);
  if (args.flags.has('help')) {
    io.out(`${ADOPT_USAGE}\n`);
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"\n\n${ADOPT_USAGE}`);
  const stateDir = resolve(option(args, 'state-dir') ?? defaultStateDir());
  const dryRun = args.flags.has('dry-run');
  if (command === 'unadopt') return unadopt(parseClients(args.options.get('client'), false), stateDir, dryRun, args.flags.has('force'), io);
  if (args.flags.has('force')) throw new UsageError('--force is for unadopt');
  if (args.flags.has('json') && command !== 'adopt') throw new UsageError('--json is for adopt');
  const clients = parseClients(args.options.get('client'), true);
  const project = option(args, 'project');
  const ctx = { platform: process.platform, env: process.env, homeDir: clientHomeDir(process.env, process.platform), projectDir: project ? resolve(project) : undefined };
  const plan = planAdoption({
    files: clientFiles(clients === 'all' ? CLIENT_IDS : clients, ctx),
    wardenConfigPath: userServersConfigPath(),
    launcher: currentLauncher(stateDir),
  });
  return args.flags.has('json') ? reportJson(plan, stateDir, dryRun, io) : reportAndApply(plan, stateDir, dryRun, io);
}

/**
 * `adopt --json`: one object for programs (the extension offering adoption), with the same diffs (redacted) and lists
 * as the text report; written unless --dry-run. Exit codes as without it.
 */
function reportJson(plan: AdoptionPlan, stateDir: string, dryRun: boolean, io: Out): number {
  const secrets = secretsOf(plan);
  const changes = [...plan.changes, ...(plan.wardenConfig ? [plan.wardenConfig] : [])];
  const canWrite = !plan.unparseable.length && changes.length > 0 && !dryRun;
  const run = canWrite ? applyAdoption(plan, stateDir).run : null;
  io.out(`${JSON.stringify({
    dryRun,
    written: run !== null,
    run,
    wardenConfig: plan.wardenConfig?.path ?? null,
    files: plan.unparseable.length ? [] : changes.map((c) => ({
      client: c.client, path: c.path, diff: redact(unifiedDiff(c.before?.text ?? '', c.after, c.before ? c.path : '/dev/null', `${c.path} (adopted)`), secrets),
    })),
    moved: plan.moved.map((m) => ({ client: m.client, file: m.file, name: m.clientName, wardenName: m.wardenName, added: m.added, repaired: !!m.repaired })),
    alreadyWarden: plan.alreadyWarden.map(({ client, file, name }) => ({ client, file, name })),
    leftAlone: plan.leftAlone,
    unparseable: plan.unparseable,
    looked: plan.looked,
  }, null, 2)}\n`);
  return plan.unparseable.length ? 1 : 0;
}

function reportAndApply(plan: AdoptionPlan, stateDir: string, dryRun: boolean, io: Out): number {
  if (plan.unparseable.length) {
    for (const u of plan.unparseable) io.err(`mcp-warden: cannot parse ${u.path}: ${u.message}\n`);
    io.err('mcp-warden: nothing was written (fix or move that file, then run adopt again).\n');
    return 1;
  }
  const secrets = secretsOf(plan);
  const changes = [...plan.changes, ...(plan.wardenConfig ? [plan.wardenConfig] : [])];
  for (const c of changes) {
    io.out(redact(unifiedDiff(c.before?.text ?? '', c.after, c.before ? c.path : '/dev/null', `${c.path} (adopted)`), secrets));
  }
  const existing = plan.looked.filter((l) => l.exists);
  io.out(`Looked at ${plan.looked.length} file(s); ${existing.length} exist${existing.length === 1 ? 's' : ''}.\n`);
  for (const m of plan.moved) {
    if (m.repaired) io.out(`  repaired ${m.client} "${m.clientName}" (${m.file}): its mcp-warden paths no longer exist; it runs this one now\n`);
    else io.out(`  moved ${m.client} "${m.clientName}" (${m.file}) → Warden server "${m.wardenName}"${m.added ? '' : ' (already in Warden\'s config)'}\n`);
  }
  for (const a of plan.alreadyWarden) io.out(`  already through Warden: ${a.client} "${a.name}" (${a.file})\n`);
  for (const l of plan.leftAlone) io.out(`  left alone: ${l.client} "${l.name}" (${l.file}): ${l.reason}\n`);
  if (!changes.length) {
    io.out('Nothing to adopt.\n');
    return 0;
  }
  if (dryRun) {
    io.out('Dry run: nothing was written.\n');
    return 0;
  }
  const result = applyAdoption(plan, stateDir);
  io.out(`Adopted ${plan.moved.filter((m) => !m.repaired).length} server(s) into ${plan.wardenConfig?.path ?? "Warden's config"}; backups in ${adoptDir(stateDir)}/backups (run ${result.run}). Undo: mcp-warden unadopt\n`);
  return 0;
}

/** Every env value in Warden's user config: the restored client files hold the same values again. */
function wardenSecrets(): string[] {
  const r = readConfigFile(userServersConfigPath());
  if (r.kind !== 'ok') return [];
  const parsed = parseJsonText(r.file.text.replace(/^\uFEFF/, ''));
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return [];
  const doc = parsed.value as Record<string, unknown>;
  const out: string[] = [];
  collectSecrets(doc, out);
  return out;
}

/** Env and header values in a file's text, so a diff of it can hide them (an unparseable text gives none). */
function secretsInText(text: string, format: 'json' | 'toml'): string[] {
  const out: string[] = [];
  try {
    const body = text.replace(/^\uFEFF/, '');
    const parsed = format === 'json' ? parseJsonText(body) : { ok: true as const, value: parseToml(body) };
    if (parsed.ok) collectSecrets(parsed.value, out);
  } catch {
    // not parseable: nothing to hide that we could find
  }
  return out;
}

function unadopt(clients: ClientId[] | 'all', stateDir: string, dryRun: boolean, force: boolean, io: Out): number {
  const plan = planUnadoption(stateDir, clients);
  const secrets = [
    ...wardenSecrets(),
    ...plan.files.flatMap((f) => [f.current, f.final].flatMap((b) => (b ? secretsInText(b.toString('utf8'), f.format) : []))),
  ];
  const show = (d: string) => io.out(redact(d, secrets));
  if (!plan.files.length && !plan.warden) {
    io.out('Nothing to unadopt.\n');
    return 0;
  }
  for (const f of plan.files) {
    show(unifiedDiff(f.current?.toString('utf8') ?? '', f.final.toString('utf8'), f.current ? f.path : '/dev/null', `${f.path} (restored)`));
  }
  if (plan.warden) {
    const w = plan.warden;
    show(unifiedDiff(w.current?.toString('utf8') ?? '', w.after?.toString('utf8') ?? '', w.path, w.after ? `${w.path} (restored)` : '/dev/null'));
    for (const k of w.kept) io.out(`  kept Warden server "${k.name}": ${k.reason}\n`);
  }
  for (const c of plan.conflicts) {
    const what = !c.current ? 'removed' : 'edited';
    const then = c.how === 'merged'
      ? 'only the adopted entries would be put back; the rest of the file stays as it is now'
      : 'it cannot be merged, so its old bytes would replace it whole';
    io.err(`mcp-warden: ${c.path} was ${what} since it was adopted (${then}).\n`);
  }
  if (dryRun) {
    io.out('Dry run: nothing was written.\n');
    return plan.conflicts.length && !force ? 1 : 0;
  }
  if (plan.conflicts.length && !force) {
    io.err('mcp-warden: nothing was restored. Run unadopt --force to go ahead (the current contents are kept as a backup).\n');
    return 1;
  }
  try {
    const { replacedBackups } = applyUnadoption(plan, stateDir, force);
    for (const b of replacedBackups) io.out(`  the replaced contents are kept in ${b}\n`);
  } catch (err) {
    if (err instanceof WardenError) {
      io.err(`mcp-warden: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const merged = plan.files.filter((f) => f.how === 'merged').length;
  io.out(`Restored ${plan.files.length} file(s)${merged ? ` (${merged} by putting the adopted entries back into the file as it is now)` : ''}.\n`);
  return 0;
}
