// Puts adopted entries back into a client file that changed since adoption (Claude Code rewrites ~/.claude.json as it
// runs): each adopted entry's original text, taken from the backup, replaces the entry as it is now; every other
// change the user or the client made is kept. Used by `unadopt --force`; an untouched file is restored from its bytes.
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import type { RecordedServer } from './adoptionLog';
import { parseJsonText } from './jsonEdit';
import { scanToml } from './tomlEdit';

const BOM = '\uFEFF';

function withoutBom(s: string): string {
  return s.startsWith(BOM) ? s.slice(1) : s;
}

function mergeJson(current: string, original: string, servers: readonly RecordedServer[]): string | null {
  // One parse of each text (~/.claude.json can be megabytes): every splice is found first, then applied from the end.
  const opts = { allowTrailingComma: true, disallowComments: false };
  const origRoot = parseTree(original, [], opts);
  const nowRoot = parseTree(current, [], opts);
  if (!origRoot || !nowRoot) return null;
  const splices: { offset: number; length: number; text: string }[] = [];
  for (const s of servers) {
    const path = [...s.container, s.clientName];
    const was = findNodeAtLocation(origRoot, path);
    const now = findNodeAtLocation(nowRoot, path);
    // An entry the user has since removed stays removed.
    if (!was || !now) continue;
    splices.push({ offset: now.offset, length: now.length, text: original.slice(was.offset, was.offset + was.length) });
  }
  splices.sort((a, b) => b.offset - a.offset);
  let out = current;
  for (const sp of splices) out = out.slice(0, sp.offset) + sp.text + out.slice(sp.offset + sp.length);
  return parseJsonText(out).ok ? out : null;
}

interface Span {
  start: number;
  end: number;
}

/** A Codex server's own table (header to its last key) and its sub-tables (`[mcp_servers.NAME.env]`). */
function serverSpans(text: string, name: string): { main: Span; subs: Span[] } | null {
  const stmts = scanToml(text);
  const spanFrom = (k: number): Span => {
    let last = k;
    for (let m = k + 1; m < stmts.length && stmts[m]!.kind !== 'header'; m++) if (stmts[m]!.kind === 'keyvalue') last = m;
    return { start: stmts[k]!.start, end: stmts[last]!.end };
  };
  let main: Span | null = null;
  const subs: Span[] = [];
  stmts.forEach((s, k) => {
    if (s.kind !== 'header' || s.arrayTable || s.path[0] !== 'mcp_servers' || s.path[1] !== name) return;
    if (s.path.length === 2) main = spanFrom(k);
    else subs.push(spanFrom(k));
  });
  return main ? { main, subs } : null;
}

function mergeToml(current: string, original: string, servers: readonly RecordedServer[]): string | null {
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  let out = current;
  try {
    for (const s of servers) {
      const was = serverSpans(original, s.clientName);
      const now = serverSpans(out, s.clientName);
      if (!was || !now) continue;
      // The original table, then its original sub-tables (a blank line before each), where the table is now.
      const text = original.slice(was.main.start, was.main.end) + was.subs.map((sp) => eol + original.slice(sp.start, sp.end)).join('');
      const cuts = [{ ...now.main, text }, ...now.subs.map((sp) => ({ ...sp, text: '' }))].sort((a, b) => b.start - a.start);
      for (const c of cuts) out = out.slice(0, c.start) + c.text + out.slice(c.end);
    }
    parseToml(out);
    return out;
  } catch {
    return null;
  }
}

/** The current text with each adopted entry put back as it was; null when that cannot be done safely. */
export function mergeBack(format: 'json' | 'toml', current: string, original: string, servers: readonly RecordedServer[]): string | null {
  const bom = current.startsWith(BOM) ? BOM : '';
  const merged = format === 'json'
    ? mergeJson(withoutBom(current), withoutBom(original), servers)
    : mergeToml(withoutBom(current), withoutBom(original), servers);
  return merged === null ? null : bom + merged;
}
