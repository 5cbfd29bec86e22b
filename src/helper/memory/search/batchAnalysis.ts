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

/** Every token of a batch, in order, as (stem, memory, position) triples in one growable Int32Array. */
class Occurrences {
  data: Int32Array;
  n = 0;

  /** Room for about `expected` tokens (grown as needed): a single save must not allocate an import's worth. */
  constructor(expected: number) {
    this.data = new Int32Array(3 * Math.max(256, expected));
  }

  push(stem: number, doc: number, position: number): void {
    if (3 * this.n + 3 > this.data.length) this.data = grow(this.data);
    const i = 3 * this.n++;
    this.data[i] = stem;
    this.data[i + 1] = doc;
    this.data[i + 2] = position;
  }
}

export class BatchAnalyser {
  /** Token → stem id, and stem → id: kept between batches, bounded by DICTIONARY_MAX. */
  private readonly tokens = new TokenTable<number>();
  private readonly stemIds = new Map<string, number>();
  private stems: string[] = [];
  /** Per stem id: the batch's own index of it (valid when batchOf equals the batch). */
  private batchOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
  private batchIndex = new Int32Array(1024);
  private batchSeq = 0;
  /** The batch's stems (ids), by batch index. */
  private batchStems: number[] = [];
  private doc = 0;
  private position = 0;
  private occurrences = new Occurrences(0);

  /** The memories' texts as (content, tags) pairs: texts[2i] and texts[2i + 1]. */
  analyse(texts: readonly string[]): AnalysedBatch {
    if (this.stems.length > DICTIONARY_MAX) this.restart();
    this.batchSeq++;
    this.batchStems = [];
    const n = texts.length >> 1;
    const lengths = new Int32Array(n);
    let chars = 0;
    for (const t of texts) chars += t.length;
    // A token every ~4 characters of text, give or take.
    this.occurrences = new Occurrences(chars >> 2);
    for (let d = 0; d < n; d++) {
      this.doc = d;
      this.position = 0;
      scanTokens(texts[2 * d]!, this.sink);
      const tags = texts[2 * d + 1]!;
      if (tags) {
        this.position += TAGS_POSITION_GAP;
        scanTokens(tags, this.sink);
        lengths[d] = this.position - TAGS_POSITION_GAP;
      } else lengths[d] = this.position;
    }
    const batch = this.grouped(lengths);
    this.occurrences = new Occurrences(0);
    return batch;
  }

  /**
   * The tokens grouped by stem, stems in byte order: a counting sort, stable, so each stem's tokens come memory by
   * memory and in order within one; a memory's run of them is one posting, its length the frequency.
   */
  private grouped(lengths: Int32Array): AnalysedBatch {
    const m = this.batchStems.length;
    const o = this.occurrences.data;
    const tokens = this.occurrences.n;
    const perStem = new Int32Array(m);
    for (let i = 0; i < 3 * tokens; i += 3) perStem[o[i]!]!++;
    const order = sortTerms(
      Array.from({ length: m }, (_, i) => i),
      (i) => this.stems[this.batchStems[i]!]!,
    );
    // Where each stem's tokens start once grouped, stems taken in byte order.
    const at = new Int32Array(m);
    for (let k = 0, q = 0; k < m; k++) {
      at[order[k]!] = q;
      q += perStem[order[k]!]!;
    }
    const docOf = new Int32Array(tokens);
    const positions = new Int32Array(tokens);
    for (let i = 0; i < 3 * tokens; i += 3) {
      const j = at[o[i]!]!++;
      docOf[j] = o[i + 1]!;
      positions[j] = o[i + 2]!;
    }
    const start = new Int32Array(m + 1);
    const docs = new Int32Array(tokens);
    const tfs = new Int32Array(tokens);
    let p = -1;
    for (let k = 0, q = 0; k < m; k++) {
      for (const end = q + perStem[order[k]!]!; q < end; q++) {
        if (p < start[k]! || docs[p] !== docOf[q]) docs[++p] = docOf[q]!;
        tfs[p]!++;
      }
      start[k + 1] = p + 1;
    }
    return { lengths, terms: order.map((b) => this.stems[this.batchStems[b]!]!), start, docs: docs.slice(0, p + 1), tfs: tfs.slice(0, p + 1), positions };
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

  /** Records one token of the current memory: its stem's batch index, the memory and the position. */
  private count(id: number): void {
    let b: number;
    if (this.batchOf[id] !== this.batchSeq) {
      this.batchOf[id] = this.batchSeq;
      b = this.batchIndex[id] = this.batchStems.length;
      this.batchStems.push(id);
    } else b = this.batchIndex[id]!;
    this.occurrences.push(b, this.doc, this.position++);
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
