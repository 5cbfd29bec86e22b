// `mcp-warden memory …` and `mcp-warden memory-server`: the memory store from a terminal and as an MCP server.
// They open the SQLite file directly; WAL mode makes that safe next to a running helper.
import { isUtf8 } from 'node:buffer';
import { resolve } from 'node:path';
import { WardenError } from '../shared/errors';
import { formatBytes } from '../shared/format';
import { exportJsonl, importJsonl, type TransferProgress } from '../helper/memory/importExport';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { importGraphFileOnce } from '../helper/memory/compat/graphFileImport';
import { createServerMemoryCompatServer } from '../helper/memory/compat/serverMemoryServer';
import { createMemoryMcpServer } from '../helper/memory/mcpServer';
import { StdioServerTransport } from '../helper/memory/stdioServerTransport';
import { MAX_CONTENT_BYTES, MemoryStore } from '../helper/memory/store';
import { memoryDbPath, storeOptionsFromEnv } from '../helper/memory/storeConfig';
import { defaultStateDir, ensureStateDir } from '../helper/platform/stateDir';
import { option, parseArgs, UsageError } from './args';
import { escapeForTerminal, invalidUtf8Arguments, jsonForTerminal } from './terminalText';

const MEMORY_USAGE = `usage: mcp-warden memory <command> [--state-dir DIR] [--json]
  add TEXT|- [--category C] [--tags a,b] [--importance 0..1]   (- reads the text from stdin)
  search QUERY [--limit N] [--category C] [--tags a,b] [--workspace W] [--since T] [--until T]
               [--min-score 0..1] [--prefix] [--cursor C]   (T: ISO-8601; --cursor: the "next page" value printed)
  get ID | delete ID | recent [--limit N]
  import FILE            (ours or @modelcontextprotocol/server-memory's JSONL)
  export [FILE]          (JSONL; stdout when FILE is omitted)
  stats`;

function openStore(stateDir: string | undefined): MemoryStore {
  const dir = ensureStateDir(stateDir ?? defaultStateDir());
  return MemoryStore.open(memoryDbPath(dir), storeOptionsFromEnv());
}

function progressPrinter(label: string): (p: TransferProgress) => void {
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const pct = p.totalBytes ? ` ${Math.min(100, Math.round((p.bytes / p.totalBytes) * 100))}%` : '';
    const line = `${label}: ${p.done} memories, ${formatBytes(p.bytes)}${pct}`;
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
}

/** The text of `memory add -`: all of stdin, bounded, and refused if it is not UTF-8 (never decoded lossily). */
async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_CONTENT_BYTES) throw new UsageError(`stdin holds more than ${MAX_CONTENT_BYTES} bytes, the limit for one memory; save a summary instead`);
    chunks.push(chunk);
  }
  const all = Buffer.concat(chunks);
  if (!isUtf8(all)) throw new UsageError('stdin is not valid UTF-8; nothing was saved (convert the text to UTF-8 first, e.g. with iconv)');
  return all.toString('utf8');
}

export async function runMemoryCli(argv: string[]): Promise<number> {
  const badArgs = invalidUtf8Arguments(argv);
  if (badArgs.length) {
    throw new UsageError(`the argument ${escapeForTerminal(JSON.stringify(badArgs[0]))} is not valid UTF-8; nothing was done (pass UTF-8 text, or use "memory add -" with UTF-8 on stdin)`);
  }
  const args = parseArgs(argv, ['state-dir', 'category', 'tags', 'importance', 'limit', 'workspace', 'since', 'until', 'min-score', 'cursor'], ['json', 'help', 'prefix']);
  const [command, ...rest] = args.positionals;
  if (!command || args.flags.has('help')) {
    process.stdout.write(`${MEMORY_USAGE}\n`);
    return command ? 0 : 2;
  }
  const json = args.flags.has('json');
  // Memory text is anyone's text: on the terminal its control characters are shown as escapes, never acted on.
  const print = (value: unknown, text: string) => process.stdout.write(json ? `${jsonForTerminal(value)}\n` : `${escapeForTerminal(text)}\n`);
  const num = (name: string) => {
    const v = option(args, name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
    return n;
  };
  const store = openStore(option(args, 'state-dir'));
  try {
    switch (command) {
      case 'add': {
        const content = rest.length === 1 && rest[0] === '-' ? await readStdinText() : rest.join(' ');
        if (!content) throw new UsageError('usage: mcp-warden memory add TEXT (or - to read it from stdin)');
        const r = await store.save({ content, category: option(args, 'category'), tags: option(args, 'tags'), importance: num('importance'), source: 'cli' });
        print(r, `${r.duplicate ? 'already remembered' : 'saved'} ${r.id}${r.warning ? ` (${r.warning})` : ''}`);
        return 0;
      }
      case 'search': {
        const query = rest.join(' ');
        if (!query) throw new UsageError('usage: mcp-warden memory search QUERY');
        const r = await store.search({
          query,
          limit: num('limit'),
          category: option(args, 'category'),
          tags: option(args, 'tags'),
          workspace: option(args, 'workspace'),
          since: option(args, 'since'),
          until: option(args, 'until'),
          minScore: num('min-score'),
          prefix: args.flags.has('prefix') || undefined,
          cursor: option(args, 'cursor'),
        });
        const lines = r.hits.map((h) => `${h.id}  ${h.score.toFixed(3)}  ${h.category.padEnd(10)} ${(h.snippet ?? h.content).replace(/\s+/g, ' ').slice(0, 160)}`);
        if (r.nextCursor) lines.push(`next page: --cursor ${r.nextCursor}`);
        print(r, lines.join('\n') || 'no matches');
        return 0;
      }
      case 'get': {
        const m = store.get(rest[0] ?? '');
        print(m, `${m.id} (${m.category}${m.tags.length ? `, #${m.tags.join(' #')}` : ''}, importance ${m.importance}, ${m.updatedAt})\n${m.content}`);
        return 0;
      }
      case 'delete': {
        const deleted = store.delete(rest[0] ?? '');
        print({ deleted }, deleted ? `deleted ${rest[0]}` : `no memory with id ${rest[0]}`);
        return deleted ? 0 : 1;
      }
      case 'recent': {
        const list = store.recent({ limit: num('limit'), category: option(args, 'category') });
        print(list, list.map((m) => `${m.id}  ${m.category.padEnd(10)} ${m.content.replace(/\s+/g, ' ').slice(0, 100)}`).join('\n') || 'no memories yet');
        return 0;
      }
      case 'import': {
        if (!rest[0]) throw new UsageError('usage: mcp-warden memory import FILE');
        const r = await importJsonl(store, resolve(rest[0]), progressPrinter('importing'));
        if (process.stderr.isTTY) process.stderr.write('\n');
        print(r, `imported ${r.imported} (${r.duplicates} duplicates, ${r.skipped} skipped) from ${r.format} format${r.problems.length ? `\n${r.problems.join('\n')}` : ''}`);
        return 0;
      }
      case 'export': {
        const target = rest[0] ? resolve(rest[0]) : '-';
        const r = await exportJsonl(store, target, target === '-' ? undefined : progressPrinter('exporting'));
        if (target !== '-') {
          if (process.stderr.isTTY) process.stderr.write('\n');
          print(r, `exported ${r.exported} memories to ${target}`);
        }
        return 0;
      }
      case 'stats': {
        const s = store.stats();
        print(s, `${s.count} memories, ${formatBytes(s.dbBytes)} in ${s.path}${s.withEmbeddings ? `, ${s.withEmbeddings} with embeddings` : ''}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown memory command "${command}"\n${MEMORY_USAGE}`);
    }
  } finally {
    store.close();
  }
}

export async function runMemoryServer(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['state-dir', 'compat'], []);
  const compat = option(args, 'compat');
  if (compat !== undefined && compat !== 'server-memory') throw new UsageError(`--compat takes "server-memory" (got "${compat}")`);
  const store = openStore(option(args, 'state-dir'));
  let server: McpServer;
  if (compat) {
    // A user switching from server-memory keeps MEMORY_FILE_PATH in their config: their graph comes along, once.
    server = createServerMemoryCompatServer(store, async (graph) => {
      const imported = await importGraphFileOnce(graph, process.env.MEMORY_FILE_PATH);
      if (imported) process.stderr.write(`mcp-warden memory server: imported ${imported.entities} entities and ${imported.relations} relations from ${imported.path} (left as it was)${imported.skippedLines ? `; ${imported.skippedLines} lines skipped` : ''}\n`);
    }).server;
  } else {
    server = createMemoryMcpServer(store);
  }
  const transport = new StdioServerTransport();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    void server.close().catch(() => undefined);
    store.close();
    process.exit(0);
  };
  process.stdin.on('end', close);
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  await server.connect(transport);
  process.stderr.write(`mcp-warden memory server${compat ? ' (server-memory compatible)' : ''} ready (${store.path})\n`);
  return new Promise<number>(() => undefined);
}

export function isWardenError(err: unknown): err is WardenError {
  return err instanceof WardenError;
}
