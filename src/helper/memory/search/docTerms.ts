// A memory's terms as the search index counts them: the stems of its analysed body and tags with their
// frequencies, and its length in tokens (what FTS5 counts for BM25). Stems are cached: vocabularies are Zipfian.
import { analyze, porterStem } from './analysis';

const STEM_CACHE_MAX = 200_000;
const stemCache = new Map<string, string>();

export function cachedStem(token: string): string {
  let s = stemCache.get(token);
  if (s === undefined) {
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    s = porterStem(token);
    stemCache.set(token, s);
  }
  return s;
}

export interface DocTerms {
  /** Stem → occurrences in body and tags. */
  tf: Map<string, number>;
  /** Tokens in body and tags. */
  dl: number;
  /** The analysed texts FTS5 indexes. */
  bodyText: string;
  tagsText: string;
}

export function docTerms(content: string, tags: string): DocTerms {
  const body = analyze(content);
  const tagTokens = tags ? analyze(tags) : [];
  const tf = new Map<string, number>();
  for (const t of body) {
    const s = cachedStem(t);
    tf.set(s, (tf.get(s) ?? 0) + 1);
  }
  for (const t of tagTokens) {
    const s = cachedStem(t);
    tf.set(s, (tf.get(s) ?? 0) + 1);
  }
  return { tf, dl: body.length + tagTokens.length, bodyText: body.join(' '), tagsText: tagTokens.join(' ') };
}

/** The distinct stems of a memory as a JSON array (for the delete and update triggers' df bookkeeping). */
export function termsJson(content: unknown, tags: unknown): string {
  return JSON.stringify([...docTerms(typeof content === 'string' ? content : '', typeof tags === 'string' ? tags : '').tf.keys()]);
}

export function tokenCount(content: unknown, tags: unknown): number {
  return docTerms(typeof content === 'string' ? content : '', typeof tags === 'string' ? tags : '').dl;
}
