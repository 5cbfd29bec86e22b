// A short excerpt of a memory around the words that matched, with those words marked: stems compared through the
// same analysis as the index, so "rotate" highlights "rotates" and "getUserById" highlights the identifier.
import { compounds } from './analysis';
import { cachedStem } from './docTerms';
import type { Clause } from './query';

export const HIGHLIGHT_OPEN = '**';
export const HIGHLIGHT_CLOSE = '**';
/** Roughly this many characters around the first dense run of matches. */
const SNIPPET_CHARS = 240;

function matcher(clauses: Clause[]): (token: string) => boolean {
  const stems = new Set<string>();
  const prefixes: string[] = [];
  for (const c of clauses) {
    if (c.kind === 'prefix') prefixes.push(c.stems[0]!);
    else for (const s of c.stems) stems.add(s);
  }
  return (token) => stems.has(cachedStem(token)) || prefixes.some((p) => token.startsWith(p));
}

/** The excerpt with matched words between HIGHLIGHT_OPEN and HIGHLIGHT_CLOSE (null when no word matched). */
export function snippet(content: string, clauses: Clause[]): string | null {
  const isMatch = matcher(clauses);
  const hits = compounds(content).filter((c) => c.tokens.some(isMatch));
  if (!hits.length) return null;
  // The window that holds the most matches, starting at a match.
  let bestStart = 0;
  let bestCount = 0;
  for (let i = 0, j = 0; i < hits.length; i++) {
    while (j < hits.length && hits[j]!.end - hits[i]!.start <= SNIPPET_CHARS) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      bestStart = i;
    }
  }
  const first = hits[bestStart]!;
  // Some context before the first match, cut at a space.
  let from = Math.max(0, first.start - 40);
  if (from > 0) from = content.indexOf(' ', from) + 1 || first.start;
  if (from > first.start) from = first.start;
  let to = Math.min(content.length, from + SNIPPET_CHARS);
  if (to < content.length) {
    const space = content.lastIndexOf(' ', to);
    if (space > first.end) to = space;
  }
  let out = from > 0 ? '…' : '';
  let at = from;
  for (const h of hits) {
    if (h.start < from || h.end > to) continue;
    out += content.slice(at, h.start) + HIGHLIGHT_OPEN + content.slice(h.start, h.end) + HIGHLIGHT_CLOSE;
    at = h.end;
  }
  out += content.slice(at, to) + (to < content.length ? '…' : '');
  return out.replace(/\s+/g, ' ');
}
