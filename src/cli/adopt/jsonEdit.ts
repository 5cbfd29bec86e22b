// JSON/JSONC reading and in-place edits through jsonc-parser: comments, order and the file's own indentation and line
// endings survive, because only the edited values' text changes.
import {
  applyEdits, createScanner, findNodeAtLocation, modify, parse, parseTree, printParseErrorCode, type FormattingOptions,
  type Node, type ParseError,
} from 'jsonc-parser';

export type ParseResult = { ok: true; value: unknown } | { ok: false; message: string };

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** Parses JSON with comments and trailing commas; any syntax error is a failure that says where (no guessing past it). */
export function parseJsonText(text: string): ParseResult {
  if (!text.trim()) return { ok: true, value: undefined };
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length) {
    const e = errors[0]!;
    return { ok: false, message: `${printParseErrorCode(e.error)} at ${lineCol(text, e.offset)}` };
  }
  return { ok: true, value };
}

/** The file's own indentation and line ending, so inserted text looks like its neighbours. */
export function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)["}\]]/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

/** One-line JSON with a space after each comma and colon, as people write short values by hand. */
export function compactJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(compactJson).join(', ')}]`;
  if (typeof v === 'object' && v !== null) return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${compactJson(x)}`).join(', ')} }`;
  return JSON.stringify(v);
}

/**
 * Sets (or with `undefined`, removes) the value at `path`, creating missing objects; everything else keeps its bytes.
 * A value that was written on one line stays on one line (jsonc-parser's formatter would spread it over several).
 */
export function setJsonValue(text: string, path: (string | number)[], value: unknown, fmt: FormattingOptions): string {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const node = root && findNodeAtLocation(root, path);
  if (value === undefined) return node ? removeProperty(text, node) : text;
  if (node && !text.slice(node.offset, node.offset + node.length).includes('\n')) {
    return text.slice(0, node.offset) + compactJson(value) + text.slice(node.offset + node.length);
  }
  return applyEdits(text, modify(text, path, value, { formattingOptions: fmt }));
}

/** jsonc-parser's SyntaxKind.CommaToken (a const enum, which isolated modules cannot read). */
const COMMA_TOKEN = 5;
const EOF_TOKEN = 17;

/** Offset of the comma between two offsets (comments skipped), or -1. */
export function commaBetween(text: string, from: number, to: number): number {
  const scanner = createScanner(text.slice(from, to), false);
  for (let kind: number = scanner.scan(); kind !== EOF_TOKEN; kind = scanner.scan()) {
    if (kind === COMMA_TOKEN) return from + scanner.getTokenOffset();
  }
  return -1;
}

/**
 * Removes the property whose value is `valueNode`, with one comma, and its line when nothing else is left on it.
 * (jsonc-parser's own removal re-formats the whole enclosing object; here comments around the property stay.)
 */
function removeProperty(text: string, valueNode: Node): string {
  const prop = valueNode.parent!;
  const siblings = prop.parent!.children!;
  const at = siblings.indexOf(prop);
  let from = prop.offset;
  let to = prop.offset + prop.length;
  const cuts: { from: number; to: number }[] = [];
  const next = siblings[at + 1];
  if (next) {
    // Its own comma goes with it, and the blanks after that comma on the same line.
    const comma = commaBetween(text, to, next.offset);
    if (comma >= 0) {
      to = comma + 1;
      while (text[to] === ' ' || text[to] === '\t') to++;
    }
  } else if (at > 0) {
    const prev = siblings[at - 1]!;
    const comma = commaBetween(text, prev.offset + prev.length, from);
    if (comma >= 0) {
      if (!text.slice(comma + 1, from).trim()) from = comma;
      else cuts.push({ from: comma, to: comma + 1 });
    }
  } else {
    const comma = commaBetween(text, to, prop.parent!.offset + prop.parent!.length - 1);
    if (comma >= 0 && !text.slice(to, comma).trim()) to = comma + 1;
  }
  cuts.push({ from, to });
  cuts.sort((a, b) => b.from - a.from);
  let out = text;
  for (const c of cuts) out = out.slice(0, c.from) + out.slice(c.to);
  const pos = from - cuts.filter((c) => c.to <= from && c.from !== from).reduce((n, c) => n + (c.to - c.from), 0);
  const lineStart = out.lastIndexOf('\n', pos - 1) + 1;
  const nl = out.indexOf('\n', pos);
  const lineEnd = nl < 0 ? out.length : nl + 1;
  return out.slice(lineStart, lineEnd).trim() ? out : out.slice(0, lineStart) + out.slice(lineEnd);
}

/** Sets the value at `path` to `valueText` exactly as given (an entry moved with its comments and layout). */
export function setJsonValueText(text: string, path: (string | number)[], valueText: string, fmt: FormattingOptions): string {
  // A placeholder through jsonc-parser finds the place (and the commas); then its text is swapped for the real one.
  const withPlaceholder = applyEdits(text, modify(text, path, 0, { formattingOptions: fmt }));
  const node = findNodeAtLocation(parseTree(withPlaceholder, [], { allowTrailingComma: true, disallowComments: false })!, path)!;
  return withPlaceholder.slice(0, node.offset) + valueText + withPlaceholder.slice(node.offset + node.length);
}

/** The text of the value at `path`, or null. */
export function jsonValueText(text: string, path: (string | number)[]): string | null {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const node = root && findNodeAtLocation(root, path);
  return node ? text.slice(node.offset, node.offset + node.length) : null;
}
