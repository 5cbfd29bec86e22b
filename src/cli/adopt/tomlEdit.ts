// Edits Codex's config.toml by replacing only the text of the affected keys and tables: smol-toml parses (to find the
// servers and to verify the result) but does not keep comments when it writes, so the file is never re-serialized.
// The scanner here only finds where statements start and end; what they mean is always smol-toml's reading.
import { parse, stringify } from 'smol-toml';

export interface TomlStatement {
  kind: 'header' | 'keyvalue' | 'trivia';
  /** Offset of the line's first character, and just past its line ending. */
  start: number;
  end: number;
  /** Header: the table's key path; key/value: the key path (relative to its table). */
  path: string[];
  /** Key/value: where the value's text starts and ends. */
  valueStart?: number;
  valueEnd?: number;
  arrayTable?: boolean;
}

export class TomlScanError extends Error {}

const BARE_KEY = /[A-Za-z0-9_-]/;

function lineEnd(text: string, i: number): number {
  const n = text.indexOf('\n', i);
  return n < 0 ? text.length : n + 1;
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

/** End of the string starting at i (one past its closing quote). */
function skipString(text: string, i: number): number {
  const q = text[i]!;
  if (text.startsWith(q.repeat(3), i)) {
    let j = i + 3;
    for (;;) {
      const k = text.indexOf(q.repeat(3), j);
      if (k < 0) throw new TomlScanError('unterminated multi-line string');
      if (q === '"') {
        let backslashes = 0;
        for (let b = k - 1; b >= i + 3 && text[b] === '\\'; b--) backslashes++;
        if (backslashes % 2 === 1) { j = k + 1; continue; }
      }
      let end = k + 3;
      // Up to two more quotes may belong to the string's content ("""a"""" is `a"`).
      while (end < text.length && text[end] === q && end - k < 5) end++;
      return end;
    }
  }
  let j = i + 1;
  while (j < text.length && text[j] !== q && text[j] !== '\n') j += q === '"' && text[j] === '\\' ? 2 : 1;
  if (text[j] !== q) throw new TomlScanError('unterminated string');
  return j + 1;
}

function readKeyPath(text: string, i: number, stop: string): { path: string[]; next: number } {
  const path: string[] = [];
  for (;;) {
    i = skipSpaces(text, i);
    const c = text[i];
    if (c === '"' || c === "'") {
      const end = skipString(text, i);
      const raw = text.slice(i, end);
      path.push((parse(`k = ${raw}`) as { k: string }).k);
      i = end;
    } else {
      const s = i;
      while (i < text.length && BARE_KEY.test(text[i]!)) i++;
      if (i === s) throw new TomlScanError('a key was expected');
      path.push(text.slice(s, i));
    }
    i = skipSpaces(text, i);
    if (text[i] === '.') { i++; continue; }
    if (!stop.includes(text[i] ?? '')) throw new TomlScanError(`"${stop}" was expected after a key`);
    return { path, next: i };
  }
}

/** End of the value starting at i: strings, nested arrays and inline tables (with comments and newlines inside arrays). */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"' || c === "'") return skipString(text, i);
  if (c === '[' || c === '{') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j]!;
      if (d === '"' || d === "'") { j = skipString(text, j); continue; }
      if (d === '#') { j = lineEnd(text, j); continue; }
      if (d === '[' || d === '{') depth++;
      else if (d === ']' || d === '}') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw new TomlScanError('unterminated array or inline table');
  }
  // Numbers, booleans, dates (which may hold a space): up to a comment or the line's end.
  let j = i;
  while (j < text.length && text[j] !== '#' && text[j] !== '\n' && text[j] !== '\r') j++;
  while (j > i && (text[j - 1] === ' ' || text[j - 1] === '\t')) j--;
  return j;
}

/** The file cut into statements. Throws TomlScanError on text it cannot follow (the caller refuses the file then). */
export function scanToml(text: string): TomlStatement[] {
  const out: TomlStatement[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    const j = skipSpaces(text, i);
    const c = text[j];
    if (c === undefined || c === '\n' || c === '\r' || c === '#') {
      i = lineEnd(text, j);
      out.push({ kind: 'trivia', start, end: i, path: [] });
      continue;
    }
    if (c === '[') {
      const arrayTable = text[j + 1] === '[';
      const { path, next } = readKeyPath(text, j + (arrayTable ? 2 : 1), ']');
      if (arrayTable && text[next + 1] !== ']') throw new TomlScanError('"]]" was expected');
      i = lineEnd(text, next);
      out.push({ kind: 'header', start, end: i, path, arrayTable });
      continue;
    }
    const { path, next } = readKeyPath(text, j, '=');
    const valueStart = skipSpaces(text, next + 1);
    const valueEnd = skipValue(text, valueStart);
    i = lineEnd(text, valueEnd);
    out.push({ kind: 'keyvalue', start, end: i, path, valueStart, valueEnd });
  }
  return out;
}

/** TOML text for one value (smol-toml's own writer). */
export function tomlValue(value: unknown): string {
  return stringify({ v: value }).replace(/^v = /, '').replace(/\n$/, '');
}

export interface TomlServerEdit {
  name: string;
  command: string;
  args: string[];
  /** Keys (first path segment) removed from the server's table, and its sub-tables of the same names. */
  removeKeys: readonly string[];
}

export class TomlEditError extends Error {}

function samePrefix(path: string[], prefix: string[]): boolean {
  return prefix.every((p, k) => path[k] === p);
}

/**
 * Rewrites `[mcp_servers.NAME]` tables: `command` and `args` get new values in place, `removeKeys` go (lines and
 * sub-tables). Text outside those spans is unchanged byte for byte. Throws TomlEditError when a server is not a
 * `[mcp_servers.NAME]` table (dotted keys or an inline table: the caller leaves it alone).
 */
export function editTomlServers(text: string, edits: readonly TomlServerEdit[]): string {
  const stmts = scanToml(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  type Splice = { start: number; end: number; text: string };
  const splices: Splice[] = [];
  for (const edit of edits) {
    const tablePath = ['mcp_servers', edit.name];
    const headerIndex = stmts.findIndex((s) => s.kind === 'header' && !s.arrayTable && s.path.length === 2 && samePrefix(s.path, tablePath));
    if (headerIndex < 0) throw new TomlEditError(`[mcp_servers.${edit.name}] is not a table of its own (dotted keys or an inline table)`);
    let table: string[] | null = null;
    let commandStmt: TomlStatement | undefined;
    let argsStmt: TomlStatement | undefined;
    // Walk every statement, tracking the current table, to find this server's keys and its own sub-tables.
    for (let k = 0; k < stmts.length; k++) {
      const s = stmts[k]!;
      if (s.kind === 'header') {
        table = s.path;
        const sub = s.path.length > 2 && samePrefix(s.path, tablePath) ? s.path[2]! : null;
        if (sub !== null && edit.removeKeys.includes(sub)) {
          // The sub-table goes from its header to its last key/value; comments after that stay with what follows.
          let last = k;
          for (let m = k + 1; m < stmts.length && stmts[m]!.kind !== 'header'; m++) if (stmts[m]!.kind === 'keyvalue') last = m;
          // Blank lines just above it go too, so no double gap is left behind (comments above it stay).
          let first = k;
          while (first > 0 && stmts[first - 1]!.kind === 'trivia' && !text.slice(stmts[first - 1]!.start, stmts[first - 1]!.end).trim()) first--;
          splices.push({ start: stmts[first]!.start, end: stmts[last]!.end, text: '' });
        }
        continue;
      }
      if (s.kind !== 'keyvalue') continue;
      // A key inside the server's table, or a dotted key reaching into it from a parent table.
      const full = [...(table ?? []), ...s.path];
      if (full.length < 3 || !samePrefix(full, tablePath)) continue;
      if (table === null || table.length < 2 || !samePrefix(table, tablePath)) {
        throw new TomlEditError(`mcp_servers.${edit.name} is partly set with dotted keys outside its table`);
      }
      if (table.length > 2) continue; // inside a sub-table: handled (or kept) with the sub-table
      const key = full[2]!;
      if (full.length === 3 && key === 'command') commandStmt = s;
      else if (full.length === 3 && key === 'args') argsStmt = s;
      else if (edit.removeKeys.includes(key)) splices.push({ start: s.start, end: s.end, text: '' });
    }
    if (!commandStmt) throw new TomlEditError(`[mcp_servers.${edit.name}] has no "command" key of its own`);
    splices.push({ start: commandStmt.valueStart!, end: commandStmt.valueEnd!, text: tomlValue(edit.command) });
    if (argsStmt) splices.push({ start: argsStmt.valueStart!, end: argsStmt.valueEnd!, text: tomlValue(edit.args) });
    else splices.push({ start: commandStmt.end, end: commandStmt.end, text: `${commandStmt.end === text.length && !text.endsWith('\n') ? eol : ''}args = ${tomlValue(edit.args)}${eol}` });
  }
  splices.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let floor = Infinity;
  for (const sp of splices) {
    if (sp.end > floor) throw new TomlEditError('overlapping edits');
    out = out.slice(0, sp.start) + sp.text + out.slice(sp.end);
    floor = sp.start;
  }
  return out;
}
