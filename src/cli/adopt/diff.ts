// Unified diffs (as `diff -u` prints them) of a file's text before and after, to show what adopt and unadopt will do.
// The common head and tail are cut first; the middle is compared with Myers' algorithm, within a bound.

/** Beyond this many changed lines the middle is shown as replaced whole (a bound on time and memory: O(D²)). */
const MAX_EDIT_LINES = 2000;

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // CRLF files: the diff shows lines without their \r (the line ending itself is never edited).
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Myers' O((N+M)·D) shortest edit script: cheap when few lines change, whatever the file's size (~/.claude.json
 * is large, and adopt edits a few entries spread through it). Null past MAX_EDIT_LINES changes.
 */
function myers(a: string[], b: string[]): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d][k + d]: the furthest x on diagonal k after d edits.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(max, MAX_EDIT_LINES); d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(off - d, off + d + 1));
        return backtrack(a, b, trace);
      }
    }
    trace.push(v.slice(off - d, off + d + 1));
  }
  return null;
}

function backtrack(a: string[], b: string[], trace: Int32Array[]): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]!;
    const at = (k: number) => prev[k + d - 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const startX = down ? prevX : prevX + 1;
    while (x > startX) ops.push({ kind: ' ', line: a[--x]! }), y--;
    if (down) ops.push({ kind: '+', line: b[--y]! });
    else ops.push({ kind: '-', line: a[--x]! });
    x = prevX;
    y = prevY;
  }
  while (x > 0) ops.push({ kind: ' ', line: a[--x]! });
  return ops.reverse();
}

function middleOps(a: string[], b: string[]): Op[] {
  return myers(a, b) ?? [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
}

/** The unified diff, or '' when the texts have the same lines. */
export function unifiedDiff(before: string, after: string, fromLabel: string, toLabel: string, context = 3): string {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  if (head === a.length && head === b.length) return '';
  const ops: Op[] = [
    ...a.slice(0, head).map((line) => ({ kind: ' ' as const, line })),
    ...middleOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail).map((line) => ({ kind: ' ' as const, line })),
  ];
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  let k = 0;
  let aLine = 1;
  let bLine = 1;
  while (k < ops.length) {
    // Find the next change, and open a hunk `context` lines before it.
    let first = k;
    while (first < ops.length && ops[first]!.kind === ' ') first++;
    if (first === ops.length) break;
    const start = Math.max(k, first - context);
    aLine += start - k;
    bLine += start - k;
    // Extend the hunk while changes are closer than 2 × context apart.
    let end = first;
    let lastChange = first;
    while (end < ops.length && end - lastChange <= 2 * context) {
      if (ops[end]!.kind !== ' ') lastChange = end;
      end++;
    }
    end = Math.min(ops.length, lastChange + context + 1);
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
    aLine += aCount;
    bLine += bCount;
    k = end;
  }
  return `${out.join('\n')}\n`;
}

/** The diff with each secret value (an adopted server's env values) replaced, so API keys are not printed. */
export function redact(diff: string, secrets: Iterable<string>): string {
  let out = diff;
  const list = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((x, y) => y.length - x.length);
  for (const s of list) {
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join('«redacted»');
  }
  return out;
}
