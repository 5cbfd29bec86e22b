// Analyses a batch of memories for the index in one pass: each memory's length in tokens and its stems with their
// frequencies and positions, grouped by stem (stems in SQLite's byte order, memories ascending) — everything the
// indexer writes but the rowids. Pure computation over strings, so it runs on the main thread or on the analysis worker alike
// (analysisWorker.ts), and both give the same result for the same texts.
import { scanTokens, type TokenSink } from './analysis';
import { cachedStem } from './docTerms';
import { sortTerms } from './postings';
import { TokenTable, hashRange, hashString } from './tokenTable';

/** Stems remembered between batches (vocabularies are Zipfian); past this the dictionary restarts (between batches). */
const DICTIONARY_MAX = 100_000;

/** What a batch of memories holds, by memory index (0 = the first memory given). */
export interface AnalysedBatch {
  /** Tokens of each memory (body and tags). */
  lengths: Int32Array;
  /** The batch's distinct stems, in byte order. */
  terms: string[];
  /** Stem i's postings are docs[start[i]] .. docs[start[i + 1] - 1] (memory indexes ascending), with tfs. */
  start: Int32Array;
  docs: Int32Array;
  tfs: Int32Array;
  /** Each posting's tfs[p] positions, ascending, concatenated in posting order (see TAGS_POSITION_GAP). */
  positions: Int32Array;
}

/**
 * Positions count tokens from 0 in the body; the tags' first token is one past the body's last plus one, so no run of
 * consecutive positions (a phrase) spans the two.
 */
export const TAGS_POSITION_GAP = 1;

/** A growable Int32Array of (stem, position) pairs: every token of the batch, in order. */
class Occurrences {
  data: Int32Array;
  n = 0;

  constructor(expected: number) {
    this.data = new Int32Array(2 * Math.max(256, expected));
  }

  push(stem: number, position: number): void {
    if (2 * this.n + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const i = 2 * this.n++;
    this.data[i] = stem;
    this.data[i + 1] = position;
  }
}

/** A growable Int32Array of (stem, memory, tf) triples. */
class Triples {
  data: Int32Array;
  n = 0;

  /** Room for about `expected` triples (grown as needed): a single save must not allocate an import's worth. */
  constructor(expected: number) {
    this.data = new Int32Array(3 * Math.max(256, expected));
  }

  push(stem: number, doc: number, tf: number): void {
    if (3 * this.n + 3 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const i = 3 * this.n++;
    this.data[i] = stem;
    this.data[i + 1] = doc;
    this.data[i + 2] = tf;
  }
}

export class BatchAnalyser {
  /** Token → stem id, and stem → id: kept between batches, bounded by DICTIONARY_MAX. */
  private readonly tokens = new TokenTable<number>();
  private readonly stemIds = new Map<string, number>();
  private stems: string[] = [];
  /** Per stem id: the batch's own index of it (valid when batchOf equals the batch), and the memory it was last counted in. */
  private batchOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private batchIndex = new Int32Array(1024);
  private batchSeq = 0;
  /** Per batch stem index: the memory whose occurrences `tf` counts, and that count. */
  private lastDoc = new Int32Array(1024);
  private tf = new Int32Array(1024);
  private batchStems: number[] = [];
  private doc = 0;
  private docTokens = 0;
  private position = 0;
  private occurrences = new Occurrences(0);
  private readonly distinct: number[] = [];

  /** The memories' texts as (content, tags) pairs: texts[2i] and texts[2i + 1]. */
  analyse(texts: readonly string[]): AnalysedBatch {
    if (this.stems.length > DICTIONARY_MAX) this.restart();
    this.batchSeq++;
    this.batchStems = [];
    const n = texts.length >> 1;
    const lengths = new Int32Array(n);
    let chars = 0;
    for (const t of texts) chars += t.length;
    // A distinct stem every ~8 characters of text, give or take.
    const triples = new Triples(chars >> 3);
    this.occurrences = new Occurrences(chars >> 2);
    for (let d = 0; d < n; d++) {
      this.doc = d;
      this.docTokens = 0;
      this.position = 0;
      this.distinct.length = 0;
      scanTokens(texts[2 * d]!, this.sink);
      const tags = texts[2 * d + 1]!;
      if (tags) {
        this.position += TAGS_POSITION_GAP;
        scanTokens(tags, this.sink);
      }
      for (const b of this.distinct) triples.push(b, d, this.tf[b]!);
      lengths[d] = this.docTokens;
    }
    return this.grouped(lengths, triples);
  }

  /** The triples grouped by stem (a counting sort keeps each stem's memories ascending), stems in byte order. */
  private grouped(lengths: Int32Array, triples: Triples): AnalysedBatch {
    const m = this.batchStems.length;
    const count = new Int32Array(m + 1);
    const t = triples.data;
    const total = triples.n;
    for (let i = 0; i < 3 * total; i += 3) count[t[i]! + 1]!++;
    const order = sortTerms(
      Array.from({ length: m }, (_, i) => i),
      (i) => this.stems[this.batchStems[i]!]!,
    );
    // Where each stem's postings start in the output, stems taken in byte order.
    const at = new Int32Array(m);
    const start = new Int32Array(m + 1);
    for (let k = 0; k < m; k++) {
      const b = order[k]!;
      at[b] = start[k]!;
      start[k + 1] = start[k]! + count[b + 1]!;
    }
    const docs = new Int32Array(total);
    const tfs = new Int32Array(total);
    for (let i = 0; i < 3 * total; i += 3) {
      const j = at[t[i]!]!++;
      docs[j] = t[i + 1]!;
      tfs[j] = t[i + 2]!;
    }
    // Positions by the same counting sort over every token: stable, so each stem's come memory by memory, in order.
    const o = this.occurrences.data;
    const tokens = this.occurrences.n;
    const posAt = new Int32Array(m);
    const perStem = new Int32Array(m);
    for (let i = 0; i < 2 * tokens; i += 2) perStem[o[i]!]!++;
    for (let k = 0, q = 0; k < m; k++) {
      const b = order[k]!;
      posAt[b] = q;
      q += perStem[b]!;
    }
    const positions = new Int32Array(tokens);
    for (let i = 0; i < 2 * tokens; i += 2) positions[posAt[o[i]!]!++] = o[i + 1]!;
    this.occurrences = new Occurrences(0);
    return { lengths, terms: order.map((b) => this.stems[this.batchStems[b]!]!), start, docs, tfs, positions };
  }

  private restart(): void {
    this.tokens.clear();
    this.stemIds.clear();
    this.stems = [];
  }

  private stemId(token: string): number {
    const stem = cachedStem(token);
    let id = this.stemIds.get(stem);
    if (id === undefined) {
      id = this.stems.length;
      this.stems.push(stem);
      this.stemIds.set(stem, id);
      if (id >= this.batchOf.length) {
        this.batchOf = grow(this.batchOf);
        this.batchIndex = grow(this.batchIndex);
      }
    }
    return id;
  }

  /** Counts one occurrence of a stem in the current memory. */
  private count(id: number): void {
    this.docTokens++;
    const position = this.position++;
    let b: number;
    if (this.batchOf[id] !== this.batchSeq) {
      this.batchOf[id] = this.batchSeq;
      b = this.batchIndex[id] = this.batchStems.length;
      this.batchStems.push(id);
      if (b >= this.lastDoc.length) {
        this.lastDoc = grow(this.lastDoc);
        this.tf = grow(this.tf);
      }
      this.lastDoc[b] = -1;
    } else b = this.batchIndex[id]!;
    if (this.lastDoc[b] !== this.doc) {
      this.lastDoc[b] = this.doc;
      this.tf[b] = 1;
      this.distinct.push(b);
    } else this.tf[b]!++;
    this.occurrences.push(b, position);
  }

  /** Where analysis sends each token (analysis.scanTokens): plain words looked up by their place in the text. */
  private readonly sink: TokenSink = {
    word: (text, start, end, capital) => {
      const h = hashRange(text, start, end, capital);
      let id = this.tokens.getRange(text, start, end, capital, h);
      if (id === undefined) {
        const key = capital ? text.slice(start, end).toLowerCase() : text.slice(start, end);
        this.tokens.add(key, h, (id = this.stemId(key)));
      }
      this.count(id);
    },
    token: (t) => {
      const h = hashString(t);
      let id = this.tokens.get(t, h);
      if (id === undefined) this.tokens.add(t, h, (id = this.stemId(t)));
      this.count(id);
    },
  };
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}
