// How often each clause of a query occurs in one memory's text, counted as the segments count it (what FTS5 counted
// before schema v13): a term is its stem; a prefix is every token whose stem starts with the prefix's stem; a phrase
// is a run of consecutive stems within the body or within the tags, never across them. Used for memories scored from
// their text (edited ones, any after the last segment) and to verify a phrase's candidates from the segments.
import { analyze, porterStem, scanTokens, type TokenSink } from './analysis';
import { cachedStem } from './docTerms';
import type { Clause } from './query';
import { TokenTable, hashRange } from './tokenTable';

/** A memory's stems, per column, with their frequencies and its length in tokens (body and tags). */
export interface AnalysedText {
  body: string[];
  tags: string[];
  tf: Map<string, number>;
  dl: number;
}

export function analyseText(content: string, tags: string): AnalysedText {
  const body = analyze(content).map(cachedStem);
  const tagStems = tags ? analyze(tags).map(cachedStem) : [];
  const tf = new Map<string, number>();
  for (const s of body) tf.set(s, (tf.get(s) ?? 0) + 1);
  for (const s of tagStems) tf.set(s, (tf.get(s) ?? 0) + 1);
  return { body, tags: tagStems, tf, dl: body.length + tagStems.length };
}

/** The stem a typed prefix is matched by: FTS5 stemmed it as a token too ("rotates"* looked for stems from "rotat"). */
export function prefixStem(c: Clause): string {
  return porterStem(c.stems[0]!);
}

/** Occurrences of consecutive `stems` in one column's stems (overlapping runs each count, as FTS5 counted them). */
export function phraseRuns(stems: readonly string[], column: readonly string[]): number {
  let n = 0;
  const m = stems.length;
  for (let i = 0; i + m <= column.length; i++) {
    let j = 0;
    while (j < m && column[i + j] === stems[j]) j++;
    if (j === m) n++;
  }
  return n;
}

/** How often the clause occurs in the memory (0: it does not match). */
export function clauseCount(c: Clause, t: AnalysedText): number {
  if (c.kind === 'term') return t.tf.get(c.stems[0]!) ?? 0;
  if (c.kind === 'prefix') {
    const p = prefixStem(c);
    let n = 0;
    for (const [s, f] of t.tf) if (s.startsWith(p)) n += f;
    return n;
  }
  return phraseRuns(c.stems, t.body) + phraseRuns(c.stems, t.tags);
}

/** Stands for any token whose stem is not one of the phrase's (a stem is never empty). */
const NOT_IN_PHRASE = '';

/**
 * Counts a phrase's runs in a memory's body and tags without building its analysis (a phrase of common words has
 * thousands of candidates to verify): the same tokens, from scanTokens, each looked up by its place in the text.
 */
export class PhraseCounter {
  /** Plain word → its stem, looked up without making a string (tokenTable.ts; bounded, emptied when half full). */
  private readonly stemOf = new TokenTable<string>();
  private stems: readonly string[] = [];
  /** The last stems seen in the current column (a ring of the phrase's length) and how many. */
  private ring: string[] = [];
  private seen = 0;
  private runs = 0;

  /** First characters of the phrase's stems, by char code (porter never changes a word's first character). */
  private firsts = new Uint8Array(128);

  private readonly sink: TokenSink = {
    word: (text, start, end, capital) => {
      // A plain word is ASCII: one whose first letter starts no stem of the phrase breaks any run, unlooked-up.
      const c = capital ? text.charCodeAt(start) | 0x20 : text.charCodeAt(start);
      if (!this.firsts[c]) {
        this.push(NOT_IN_PHRASE);
        return;
      }
      const h = hashRange(text, start, end, capital);
      let stem = this.stemOf.getRange(text, start, end, capital, h);
      if (stem === undefined) {
        const key = capital ? text.slice(start, end).toLowerCase() : text.slice(start, end);
        this.stemOf.add(key, h, (stem = cachedStem(key)));
      }
      this.push(stem);
    },
    token: (t) => this.push(cachedStem(t)),
  };

  private push(stem: string): void {
    const m = this.stems.length;
    this.ring[this.seen++ % m] = stem;
    if (this.seen < m || stem !== this.stems[m - 1]) return;
    for (let j = 0; j < m - 1; j++) if (this.ring[(this.seen - m + j) % m] !== this.stems[j]) return;
    this.runs++;
  }

  /** Runs of `stems` within the body and within the tags (what clauseCount gives for the phrase). */
  count(stems: readonly string[], content: string, tags: string): number {
    this.stems = stems;
    this.ring = new Array<string>(stems.length);
    this.firsts.fill(0);
    for (const st of stems) if (st.charCodeAt(0) < 128) this.firsts[st.charCodeAt(0)] = 1;
    this.runs = 0;
    for (const column of tags ? [content, tags] : [content]) {
      // A run never spans the columns: the ring starts empty in each.
      this.seen = 0;
      scanTokens(column, this.sink);
    }
    return this.runs;
  }
}
