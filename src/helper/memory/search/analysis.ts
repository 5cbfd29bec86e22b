// The one text analysis of the memory store, used on every memory at index time and on every query: words as
// unicode61 sees them, lower-cased and without diacritics, and code identifiers both whole and split into their
// parts (getUserById → getuserbyid get user by id; src/config/parse.ts → srcconfigparsets src config parse ts).
// porter.ts stems what this emits, exactly as FTS5's porter tokenizer did (the index's stems since schema v8).
import { porterStem } from './porter';

/** A run of letters and digits, possibly joined by identifier and path punctuation (snake_case, a/b.ts, e2e-test). */
const COMPOUND = /[\p{L}\p{N}\p{M}]+(?:[_./\\:-]+[\p{L}\p{N}\p{M}]+)*/gu;
const SEGMENT = /[\p{L}\p{N}\p{M}]+/gu;
/** camelCase and PascalCase parts: "HTTPServer" → HTTP Server, "getUserById" → get User By Id; digits stay ("e2e"). */
const CAMEL = /\p{Lu}+(?!\p{Ll})|\p{Lu}?[^\p{Lu}]+/gu;
/** A joined identifier longer than this is not emitted whole (its parts still are). */
const MAX_JOINED_CHARS = 64;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\u0000-\u007f]*$/;

/** Lower case without diacritics, as unicode61 with remove_diacritics folds a token. */
export function fold(word: string): string {
  if (ASCII.test(word)) return word.toLowerCase();
  return word.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

export interface Compound {
  /** Offsets of the compound in the analysed text (for snippets). */
  start: number;
  end: number;
  /** Its tokens in index order: the whole identifier first when it has parts, then each part. */
  tokens: string[];
  /** True when the compound is one plain word (stop words are only dropped from queries for these). */
  simple: boolean;
}

/** Splits one compound (a match of COMPOUND) into its tokens. */
function compoundTokens(text: string): { tokens: string[]; simple: boolean } {
  const segments = text.match(SEGMENT) ?? [];
  const parts: string[][] = segments.map((s) => (s.match(CAMEL) ?? [s]).map(fold).filter(Boolean));
  const flat = parts.flat();
  if (flat.length <= 1) return { tokens: flat, simple: true };
  const tokens: string[] = [];
  const whole = flat.join('');
  if (whole.length <= MAX_JOINED_CHARS) tokens.push(whole);
  for (const p of parts) {
    // A camelCase segment inside a path or snake_case name is also indexed whole: "userService" in src/userService.ts.
    if (p.length > 1 && parts.length > 1) {
      const seg = p.join('');
      if (seg.length <= MAX_JOINED_CHARS) tokens.push(seg);
    }
    tokens.push(...p);
  }
  return { tokens, simple: false };
}

/** A plain lower-case ASCII word: its own single token (most of any text; skips the identifier splitting). */
const PLAIN = /^[a-z0-9]+$/;

/** A capitalised ASCII word ("The", "Engineer"): one CAMEL part, its token the word in lower case ("Q0az" is two). */
const CAPITALISED = /^[A-Z](?:[a-z][a-z0-9]*)?$/;

/** Every compound of the text with its tokens and offsets (for snippets and query parsing). */
export function compounds(text: string): Compound[] {
  const out: Compound[] = [];
  for (const m of text.matchAll(COMPOUND)) {
    const w = m[0];
    const { tokens, simple } = PLAIN.test(w) ? { tokens: [w], simple: true } : CAPITALISED.test(w) ? { tokens: [w.toLowerCase()], simple: true } : compoundTokens(w);
    if (tokens.length) out.push({ start: m.index, end: m.index + w.length, tokens, simple });
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

/** The tokens of a text, in order: what the full-text index stores (joined by spaces) and what queries are made of. */
export function analyze(text: string): string[] {
  return NON_ASCII.test(text) ? analyzeGeneral(text) : analyzeAscii(text);
}

/** analyze() for any text, through COMPOUND (exported for the test that the ASCII path gives the same tokens). */
export function analyzeGeneral(text: string): string[] {
  const out: string[] = [];
  COMPOUND.lastIndex = 0;
  for (let m = COMPOUND.exec(text); m; m = COMPOUND.exec(text)) {
    const w = m[0];
    if (PLAIN.test(w)) out.push(w);
    else for (const t of compoundTokens(w).tokens) out.push(t);
  }
  return out;
}

const enum Ch {
  Digit,
  Lower,
  Upper,
  /** Joins letters and digits into one compound: _ . / \\ : - */
  Joiner,
  Other,
}

const ASCII_CLASS = (() => {
  const c = new Uint8Array(128).fill(Ch.Other);
  for (let i = 48; i <= 57; i++) c[i] = Ch.Digit;
  for (let i = 97; i <= 122; i++) c[i] = Ch.Lower;
  for (let i = 65; i <= 90; i++) c[i] = Ch.Upper;
  for (const j of '_./\\:-') c[j.charCodeAt(0)] = Ch.Joiner;
  return c;
})();

/** Receives a text's tokens in analyze()'s order, plain words as ranges of the text (no string made for them). */
export interface TokenSink {
  /** A plain word, text[start, end) folded to lower case (only its first letter can be upper case: `capital`). */
  word(text: string, start: number, end: number, capital: boolean): void;
  /** Any other token (parts of identifiers and paths, non-ASCII words). */
  token(t: string): void;
}

/**
 * Feeds analyze(text)'s tokens to the sink. Returns true when every word was plain: then unicode61 finds exactly
 * these tokens in the raw text (runs of ASCII letters and digits, folded), so FTS5 can be given the text itself.
 */
export function scanTokens(text: string, sink: TokenSink): boolean {
  if (NON_ASCII.test(text)) {
    for (const t of analyzeGeneral(text)) sink.token(t);
    return false;
  }
  return scanAscii(text, sink);
}

/**
 * analyze() for ASCII text without regular expressions (the unicode property classes cost ~20 µs per memory): the
 * same compounds as COMPOUND; a word of lower case and digits, or capitalised ("The"), is its own token (folded), and
 * anything else (camelCase, ALLCAPS, joined parts) goes through compoundTokens as before.
 */
function scanAscii(text: string, sink: TokenSink): boolean {
  const n = text.length;
  const cls = ASCII_CLASS;
  let trivial = true;
  let i = 0;
  while (i < n) {
    let c = cls[text.charCodeAt(i)]!;
    if (c >= Ch.Joiner) {
      i++;
      continue;
    }
    const start = i;
    // Upper case past the first letter, or a joiner inside: not a plain word.
    let plain = true;
    i++;
    for (;;) {
      while (i < n && (c = cls[text.charCodeAt(i)]!) < Ch.Joiner) {
        if (c === Ch.Upper) plain = false;
        i++;
      }
      if (i < n && c === Ch.Joiner) {
        let j = i + 1;
        while (j < n && cls[text.charCodeAt(j)] === Ch.Joiner) j++;
        if (j < n && cls[text.charCodeAt(j)]! < Ch.Joiner) {
          plain = false;
          i = j;
          continue;
        }
      }
      break;
    }
    // "The" is one part, but "Q0az" is two (Q, 0az) for CAMEL: a capital is plain only before a lower-case letter.
    const capital = cls[text.charCodeAt(start)] === Ch.Upper;
    if (capital && i - start > 1 && cls[text.charCodeAt(start + 1)] !== Ch.Lower) plain = false;
    if (plain) sink.word(text, start, i, capital);
    else {
      trivial = false;
      for (const t of compoundTokens(text.slice(start, i)).tokens) sink.token(t);
    }
  }
  return trivial;
}

function analyzeAscii(text: string): string[] {
  const out: string[] = [];
  scanAscii(text, {
    word: (t, start, end, capital) => out.push(capital ? t.slice(start, end).toLowerCase() : t.slice(start, end)),
    token: (t) => out.push(t),
  });
  return out;
}

/** The stems of a text's tokens, as the index stores them. */
export function stems(text: string): string[] {
  return analyze(text).map(porterStem);
}

export { porterStem };
