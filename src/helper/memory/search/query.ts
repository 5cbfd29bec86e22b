// Parses what a person or agent typed into query clauses: plain words (analysed like memories, stop words dropped),
// "quoted phrases" and prefix* words. Operators, NEAR(), column filters and quotes in the input stay literal text.
// Each clause also keeps its form as a quoted FTS5 string: the store has no FTS5 since schema v13, but the benchmark
// ranks the same query with FTS5 beside ours.
import { WardenError } from '../../../shared/errors';
import { compounds, fold, porterStem } from './analysis';
import { isStopWord } from './stopWords';

export const MAX_QUERY_CHARS = 1000;
/** Clauses past this are ignored: a pasted paragraph must not become a 500-way OR. */
export const MAX_CLAUSES = 32;
/** A prefix shorter than this would expand to a large share of the vocabulary. */
const MIN_PREFIX_CHARS = 2;

export type ClauseKind = 'term' | 'phrase' | 'prefix';

export interface Clause {
  kind: ClauseKind;
  /** The clause as an FTS5 expression (a quoted string, a quoted phrase, or a quoted prefix with *). */
  fts: string;
  /** Stems (term, phrase) or the folded prefix, for highlighting and the exact top-k index. */
  stems: string[];
}

export interface ParsedQuery {
  clauses: Clause[];
  /** Every clause ORed: a memory matching any clause is a candidate. */
  match: string;
}

function quote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export interface ParseOptions {
  /** The last plain word matches as a prefix (typing "sql" finds "sqlite"). */
  prefixLast?: boolean;
}

/** Parses a query; throws MEMORY_INVALID_ARGUMENT for non-strings, oversize input and inputs with no words. */
export function parseQuery(input: unknown, options: ParseOptions = {}): ParsedQuery {
  if (typeof input !== 'string') throw new WardenError('MEMORY_INVALID_ARGUMENT', 'The search query must be a string.');
  if (input.length > MAX_QUERY_CHARS) throw new WardenError('MEMORY_INVALID_ARGUMENT', `The search query is ${input.length} characters; the limit is ${MAX_QUERY_CHARS}.`);
  const clauses: Clause[] = [];
  const stopped: Clause[] = [];
  const seen = new Set<string>();
  const add = (c: Clause, list = clauses) => {
    const key = `${c.kind}:${c.stems.join(' ')}`;
    if (seen.has(key)) return;
    seen.add(key);
    list.push(c);
  };
  // Quoted phrases first; the rest of the text is words, where a word directly followed by * is a prefix.
  const re = /"([^"]*)"?|([^\s"]+)/g;
  const words: { text: string; prefix: boolean }[] = [];
  for (const m of input.matchAll(re)) {
    if (m[1] !== undefined) {
      const tokens = compounds(m[1]).flatMap((c) => c.tokens);
      if (tokens.length === 1) words.push({ text: tokens[0]!, prefix: false });
      else if (tokens.length > 1) add({ kind: 'phrase', fts: quote(tokens.join(' ')), stems: tokens.map(porterStem) });
    } else if (m[2]) {
      for (const part of m[2].split(/(?<=\*)/)) words.push({ text: part.replace(/\*+$/, ''), prefix: part.endsWith('*') });
    }
  }
  const lastPlain = options.prefixLast ? findLastPlain(input, words) : -1;
  words.forEach((w, i) => {
    const cs = compounds(w.text);
    if (!cs.length) return;
    if (w.prefix || i === lastPlain) {
      // A prefix applies to the word as typed, joined: "getUser*" finds getUserById through its whole token.
      const folded = cs.flatMap((c) => (c.simple ? c.tokens : c.tokens.slice(0, 1))).join('');
      if (folded.length >= MIN_PREFIX_CHARS) {
        add({ kind: 'prefix', fts: `${quote(folded)}*`, stems: [folded] });
        return;
      }
    }
    for (const c of cs) {
      for (const t of c.tokens) {
        const clause: Clause = { kind: 'term', fts: quote(t), stems: [porterStem(t)] };
        // Stop words are dropped only as plain words; "by" inside getUserById stays part of the identifier.
        add(clause, c.simple && isStopWord(t) ? stopped : clauses);
      }
    }
  });
  // A query of nothing but stop words ("to be or not to be") searches for them rather than for nothing.
  const final = (clauses.length ? clauses : stopped).slice(0, MAX_CLAUSES);
  if (!final.length) {
    throw new WardenError('MEMORY_INVALID_ARGUMENT', 'The search query has no words to search for (only punctuation or operators); type at least one word.');
  }
  return { clauses: final, match: final.map((c) => c.fts).join(' OR ') };
}

/** The index of the last typed word when the input does not end in a space or a quote (the one being typed). */
function findLastPlain(input: string, words: { text: string; prefix: boolean }[]): number {
  if (!words.length || /[\s"]$/.test(input)) return -1;
  const i = words.length - 1;
  // A stop word being typed is still a prefix ("wh" may become "whitelist"), but a finished one among others is not.
  return words.length > 1 && isStopWord(fold(words[i]!.text)) ? -1 : i;
}
