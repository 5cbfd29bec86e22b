// Makes stored text safe to print on a terminal: control characters (ESC, BEL, C1 such as CSI, DEL) and bidi
// overrides are shown as escapes (`\x1b`, `\u202e`), so a memory cannot move the cursor, retitle the window or
// hide text. JSON output keeps the exact text, with the C1 and bidi ones \u-escaped too (still the same JSON).
import { readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';

// C0 but tab and newline (those lay text out; callers that print one line fold them), DEL, C1, bidi controls.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** JSON.stringify, then the characters JSON leaves raw that a terminal would still act on, as \u escapes. */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Arguments that were not valid UTF-8 on the command line. Node decodes argv with replacement characters, so the
 * raw bytes are read back from /proc/self/cmdline (Linux); elsewhere nothing can be checked and nothing is reported.
 */
export function invalidUtf8Arguments(argv: readonly string[]): string[] {
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/cmdline');
  } catch {
    return [];
  }
  const bad: string[] = [];
  let start = 0;
  for (let i = raw.indexOf(0); i >= 0; start = i + 1, i = raw.indexOf(0, start)) {
    const arg = raw.subarray(start, i);
    if (!isUtf8(arg)) {
      const decoded = arg.toString('utf8');
      if (argv.includes(decoded)) bad.push(decoded);
    }
  }
  return bad;
}
