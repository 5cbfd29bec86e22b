// Unified diffs (as `diff -u` prints them) of a file's text before and after, to show what adopt and unadopt will do.
// Edits are local, so the common head and tail are cut first; the middle is compared line by line (LCS), within a bound.

/** Beyond this many cells the middle is shown as replaced whole instead of compared (a bound on time and memory). */
const MAX_LCS_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // CRLF files: the diff shows lines without their \r (the line ending itself is never edited).
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function middleOps(a: string[], b: string[]): Op[] {
  if (a.length * b.length > MAX_LCS_CELLS) return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { ops.push({ kind: ' ', line: a[i]! }); i++; j++; }
    // Removals before additions, as diff -u prints them.
    else if (i < n && (j >= m || lcs[(i + 1) * (m + 1) + j]! >= lcs[i * (m + 1) + j + 1]!)) ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  return ops;
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
