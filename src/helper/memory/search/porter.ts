// The Porter stemmer exactly as SQLite's FTS5 `porter` tokenizer applies it (its rule order, its "strictly longer
// than the suffix" tests, its pass-through of tokens under 3 or over 64 bytes), so that a stem computed here for
// snippets and the exact top-k index is the term FTS5 stored. test/unit/helper/search.test.ts checks the parity
// against FTS5 itself on thousands of words.

const MAX_TOKEN_BYTES = 64;

function isVowel(w: string, i: number, prevCons: boolean): boolean {
  const c = w.charCodeAt(i);
  // a e i o u, and y after a consonant
  return c === 97 || c === 101 || c === 105 || c === 111 || c === 117 || (c === 121 && prevCons);
}

/** Index just past the first VC run of w[from..to) (0 when there is none), given whether w[from-1] was a consonant. */
function gobbleVC(w: string, from: number, to: number, prevCons: boolean): number {
  let cons = prevCons;
  let i = from;
  for (; i < to; i++) {
    cons = !isVowel(w, i, cons);
    if (!cons) break;
  }
  for (i++; i < to; i++) {
    cons = !isVowel(w, i, cons);
    if (cons) return i + 1;
  }
  return 0;
}

/** m > 0 for the stem w[0..n). */
function mGt0(w: string, n: number): boolean {
  return gobbleVC(w, 0, n, false) > 0;
}

function mGt1(w: string, n: number): boolean {
  const k = gobbleVC(w, 0, n, false);
  return k > 0 && gobbleVC(w, k, n, true) > 0;
}

function mEq1(w: string, n: number): boolean {
  const k = gobbleVC(w, 0, n, false);
  return k > 0 && gobbleVC(w, k, n, true) === 0;
}

/** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
function oStar(w: string, n: number): boolean {
  const last = w[n - 1];
  if (last === 'w' || last === 'x' || last === 'y') return false;
  let mask = 0;
  let cons = false;
  for (let i = 0; i < n; i++) {
    cons = !isVowel(w, i, cons);
    mask = ((mask << 1) | (cons ? 1 : 0)) & 7;
  }
  return mask === 5;
}

/** *v*: the stem has a vowel. */
function hasVowel(w: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (isVowel(w, i, i > 0)) return true;
  return false;
}

type Cond = ((w: string, n: number) => boolean) | null;
/** [suffix, condition on the stem before it, replacement]; within a step the first suffix that ends the word decides. */
type Rule = readonly [string, Cond, string];

const mGt1SorT: Cond = (w, n) => (w[n - 1] === 's' || w[n - 1] === 't') && mGt1(w, n);

// Rules grouped by the word's second-to-last letter, in FTS5's order within each group.
const STEP2: Record<string, readonly Rule[]> = {
  a: [['ational', mGt0, 'ate'], ['tional', mGt0, 'tion']],
  c: [['enci', mGt0, 'ence'], ['anci', mGt0, 'ance']],
  e: [['izer', mGt0, 'ize']],
  g: [['logi', mGt0, 'log']],
  l: [['bli', mGt0, 'ble'], ['alli', mGt0, 'al'], ['entli', mGt0, 'ent'], ['eli', mGt0, 'e'], ['ousli', mGt0, 'ous']],
  o: [['ization', mGt0, 'ize'], ['ation', mGt0, 'ate'], ['ator', mGt0, 'ate']],
  s: [['alism', mGt0, 'al'], ['iveness', mGt0, 'ive'], ['fulness', mGt0, 'ful'], ['ousness', mGt0, 'ous']],
  t: [['aliti', mGt0, 'al'], ['iviti', mGt0, 'ive'], ['biliti', mGt0, 'ble']],
};
const STEP3: Record<string, readonly Rule[]> = {
  a: [['ical', mGt0, 'ic']],
  s: [['ness', mGt0, '']],
  t: [['icate', mGt0, 'ic'], ['iciti', mGt0, 'ic']],
  u: [['ful', mGt0, '']],
  v: [['ative', mGt0, '']],
  z: [['alize', mGt0, 'al']],
};
const STEP4: Record<string, readonly Rule[]> = {
  a: [['al', mGt1, '']],
  c: [['ance', mGt1, ''], ['ence', mGt1, '']],
  e: [['er', mGt1, '']],
  i: [['ic', mGt1, '']],
  l: [['able', mGt1, ''], ['ible', mGt1, '']],
  n: [['ant', mGt1, ''], ['ement', mGt1, ''], ['ment', mGt1, ''], ['ent', mGt1, '']],
  o: [['ion', mGt1SorT, ''], ['ou', mGt1, '']],
  s: [['ism', mGt1, '']],
  t: [['ate', mGt1, ''], ['iti', mGt1, '']],
  u: [['ous', mGt1, '']],
  v: [['ive', mGt1, '']],
  z: [['ize', mGt1, '']],
};
const STEP1B: Record<string, readonly Rule[]> = {
  e: [['eed', mGt0, 'ee'], ['ed', hasVowel, '']],
  n: [['ing', hasVowel, '']],
};
const STEP1B2: Record<string, readonly Rule[]> = {
  a: [['at', null, 'ate']],
  b: [['bl', null, 'ble']],
  i: [['iz', null, 'ize']],
};

/** Applies the first rule whose suffix ends w (and is shorter than w); returns the new word, or null if none fired. */
function applyStep(w: string, table: Record<string, readonly Rule[]>): { word: string; fired: boolean } {
  const rules = table[w[w.length - 2] ?? ''];
  if (!rules) return { word: w, fired: false };
  for (const [suffix, cond, out] of rules) {
    if (w.length > suffix.length && w.endsWith(suffix)) {
      const stem = w.length - suffix.length;
      if (cond === null || cond(w, stem)) return { word: w.slice(0, stem) + out, fired: true };
      return { word: w, fired: false };
    }
  }
  return { word: w, fired: false };
}

function step1a(w: string): string {
  const n = w.length;
  if (w[n - 1] !== 's') return w;
  if (w[n - 2] === 'e') {
    if ((n > 4 && w[n - 4] === 's' && w[n - 3] === 's') || (n > 3 && w[n - 3] === 'i')) return w.slice(0, n - 2);
    return w.slice(0, n - 1);
  }
  return w[n - 2] !== 's' ? w.slice(0, n - 1) : w;
}

function stemBytes(token: string): string {
  let w = step1a(token);
  // "eed" -> "ee" is not followed by step 1b's second part; only "ed" and "ing" are.
  const eed = w.length > 3 && w.endsWith('eed');
  const b = applyStep(w, STEP1B);
  w = b.word;
  if (b.fired && !eed) {
    const b2 = applyStep(w, STEP1B2);
    w = b2.word;
    if (!b2.fired) {
      const n = w.length;
      const c = w[n - 1]!;
      if (!isVowel(w, n - 1, false) && c !== 'l' && c !== 's' && c !== 'z' && c === w[n - 2]) w = w.slice(0, n - 1);
      else if (mEq1(w, n) && oStar(w, n)) w += 'e';
    }
  }
  if (w[w.length - 1] === 'y' && hasVowel(w, w.length - 1)) w = `${w.slice(0, -1)}i`;
  w = applyStep(w, STEP2).word;
  w = applyStep(w, STEP3).word;
  w = applyStep(w, STEP4).word;
  let n = w.length;
  if (w[n - 1] === 'e' && (mGt1(w, n - 1) || (mEq1(w, n - 1) && !oStar(w, n - 1)))) w = w.slice(0, --n);
  if (n > 1 && w[n - 1] === 'l' && w[n - 2] === 'l' && mGt1(w, n - 1)) w = w.slice(0, n - 1);
  return w;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\u0000-\u007f]*$/;

/** The FTS5 porter stem of one token (already lower-cased and folded by unicode61). */
export function porterStem(token: string): string {
  if (ASCII.test(token)) {
    if (token.length < 3 || token.length > MAX_TOKEN_BYTES) return token;
    return stemBytes(token);
  }
  // FTS5 stems UTF-8 bytes, where every non-ASCII byte is a consonant: work on the bytes as latin1 characters.
  const bytes = Buffer.from(token, 'utf8');
  if (bytes.length < 3 || bytes.length > MAX_TOKEN_BYTES) return token;
  return Buffer.from(stemBytes(bytes.toString('latin1')), 'latin1').toString('utf8');
}
