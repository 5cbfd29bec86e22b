// Turns what a person or agent typed into a safe FTS5 MATCH expression. Every term becomes a quoted FTS5 string,
// so operators, NEAR(), column filters and quotes in the input are literal text, never FTS5 grammar.
import { WardenError } from '../../shared/errors';

export const MAX_QUERY_CHARS = 1000;
const MAX_TERMS = 32;

export interface ParsedQuery {
  /** The MATCH expression (terms ANDed). */
  match: string;
  terms: string[];
}

function quote(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/** Splits into tokens of letters/digits (as unicode61 would), keeping `"phrases"` and a trailing `*` for prefixes. */
export function buildFtsQuery(input: string): ParsedQuery {
  if (typeof input !== 'string') throw new WardenError('MEMORY_INVALID_ARGUMENT', 'The search query must be a string.');
  if (input.length > MAX_QUERY_CHARS) throw new WardenError('MEMORY_INVALID_ARGUMENT', `The search query is ${input.length} characters; the limit is ${MAX_QUERY_CHARS}.`);
  const parts: string[] = [];
  const terms: string[] = [];
  const re = /"([^"]*)"|([\p{L}\p{N}_]+)(\*)?/gu;
  for (const m of input.matchAll(re)) {
    if (parts.length >= MAX_TERMS) break;
    if (m[1] !== undefined) {
      const words = m[1].match(/[\p{L}\p{N}_]+/gu) ?? [];
      if (!words.length) continue;
      parts.push(quote(words.join(' ')));
      terms.push(...words);
    } else if (m[2]) {
      const word = m[2];
      // Single letters with * would expand to huge prefix sets; need at least 2 characters for a prefix query.
      parts.push(m[3] && word.length >= 2 ? `${quote(word)}*` : quote(word));
      terms.push(word);
    }
  }
  if (!parts.length) {
    throw new WardenError('MEMORY_INVALID_ARGUMENT', 'The search query has no words to search for (only punctuation or operators); type at least one word.');
  }
  return { match: parts.join(' '), terms };
}
