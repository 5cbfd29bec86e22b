// Rewrites client entries in a JSON/JSONC file from one parse of it: every edit (keys taken out, command and args
// replaced or added) is computed against the original text and applied in one pass. Re-parsing per edit cost ~0.5 s
// per server on a 10 MB ~/.claude.json (Claude Code keeps every project's history in it).
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { commaBetween, compactJson } from './jsonEdit';

export interface EntryRewrite {
  /** JSON path of the entry (an object). */
  path: string[];
  removeKeys: readonly string[];
  command: string;
  args: string[];
}

interface Edit {
  offset: number;
  length: number;
  content: string;
}

function propertyOf(entry: Node, key: string): Node | undefined {
  return entry.children?.find((p) => p.children?.[0]?.value === key);
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** A new value in the old one's layout: one line stays one line; a spread-out array stays spread out, same indents. */
function valueText(text: string, old: Node, value: unknown, eol: string): string {
  const oldText = text.slice(old.offset, old.offset + old.length);
  if (!oldText.includes('\n') || !Array.isArray(value)) return compactJson(value);
  const first = old.children?.[0];
  const close = lineIndent(text, old.offset + old.length - 1);
  const itemIndent = first ? lineIndent(text, first.offset) : `${close}  `;
  return `[${eol}${value.map((v) => itemIndent + compactJson(v)).join(`,${eol}`)}${eol}${close}]`;
}

/** Cuts that remove `prop` (one of `entry`'s properties, `removed` being all that go) with one comma. */
function removalCuts(text: string, entry: Node, prop: Node, removed: Set<Node>): Edit[] {
  const siblings = entry.children!;
  const at = siblings.indexOf(prop);
  const start = prop.offset;
  const end = prop.offset + prop.length;
  const next = siblings[at + 1];
  if (next) {
    // Its own comma goes with it, and the blanks after that comma on the same line.
    const comma = commaBetween(text, end, next.offset);
    let to = comma >= 0 ? comma + 1 : end;
    while (text[to] === ' ' || text[to] === '\t') to++;
    return [{ offset: start, length: to - start, content: '' }];
  }
  // The last one: the comma after the nearest property that stays goes instead.
  const cuts: Edit[] = [{ offset: start, length: end - start, content: '' }];
  for (let k = at - 1; k >= 0; k--) {
    if (removed.has(siblings[k]!)) continue;
    const kept = siblings[k]!;
    const comma = commaBetween(text, kept.offset + kept.length, siblings[k + 1]!.offset);
    if (comma >= 0) cuts.push({ offset: comma, length: 1, content: '' });
    break;
  }
  // A trailing comma of its own (allowed in JSONC) goes too.
  const trailing = commaBetween(text, end, entry.offset + entry.length - 1);
  if (trailing >= 0 && !text.slice(end, trailing).trim()) cuts[0]!.length = trailing + 1 - start;
  return cuts;
}

/** Widens a cut to its whole line when nothing else would be left on that line. */
function wholeLine(text: string, cut: Edit): Edit {
  const lineStart = text.lastIndexOf('\n', cut.offset - 1) + 1;
  const nl = text.indexOf('\n', cut.offset + cut.length);
  const lineEnd = nl < 0 ? text.length : nl + 1;
  const rest = text.slice(lineStart, cut.offset) + text.slice(cut.offset + cut.length, lineEnd);
  return rest.trim() ? cut : { offset: lineStart, length: lineEnd - lineStart, content: '' };
}

/** Joins removals separated only by blanks on one line (`, "env": {}, "cwd": "/"` goes as one piece). */
function mergeCuts(text: string, cuts: Edit[]): Edit[] {
  const sorted = [...cuts].sort((a, b) => a.offset - b.offset);
  const out: Edit[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && c.offset >= last.offset + last.length && /^[ \t]*$/.test(text.slice(last.offset + last.length, c.offset))) {
      last.length = c.offset + c.length - last.offset;
    } else {
      out.push({ ...c });
    }
  }
  return out;
}

/** The text with every rewrite applied; null when an entry or its command is not where the rewrite says. */
export function rewriteEntries(text: string, rewrites: readonly EntryRewrite[], eol: string): string | null {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return null;
  const edits: Edit[] = [];
  for (const rw of rewrites) {
    const entry = findNodeAtLocation(root, rw.path);
    const command = entry && propertyOf(entry, 'command');
    if (!entry || entry.type !== 'object' || !command) return null;
    const removed = new Set(rw.removeKeys.map((k) => propertyOf(entry, k)).filter((p): p is Node => !!p));
    const cuts = [...removed].flatMap((p) => removalCuts(text, entry, p, removed)).map((c) => wholeLine(text, c));
    edits.push(...mergeCuts(text, cuts));
    const commandValue = command.children![1]!;
    edits.push({ offset: commandValue.offset, length: commandValue.length, content: compactJson(rw.command) });
    const args = propertyOf(entry, 'args');
    if (args) {
      const v = args.children![1]!;
      edits.push({ offset: v.offset, length: v.length, content: valueText(text, v, rw.args, eol) });
    } else {
      edits.push({ offset: commandValue.offset + commandValue.length, length: 0, content: `, "args": ${compactJson(rw.args)}` });
    }
  }
  // From the end, so earlier offsets stay right; at one offset a cut before an insertion (the insertion stays).
  edits.sort((a, b) => b.offset - a.offset || b.length - a.length);
  let out = text;
  let floor = Infinity;
  for (const e of edits) {
    if (e.offset + e.length > floor) return null; // overlapping edits: refuse rather than guess
    out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
    floor = e.offset;
  }
  return out;
}
