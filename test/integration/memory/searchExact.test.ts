// The exact top-k against a brute-force ranking of every match, on generated stores where common words each match
// 10–20 % of the memories: for hundreds of random 1–4 word queries, at two sizes, with deletes, reused rowids and
// edits in the mix; and the store's document frequencies and totals equal ones counted from scratch.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/helper/memory/store';
import { porterStem } from '../../../src/helper/memory/search/analysis';
import { docTerms } from '../../../src/helper/memory/search/docTerms';
import { parseQuery } from '../../../src/helper/memory/search/query';
import { compareScored, idf, scoreDoc, type Scored } from '../../../src/helper/memory/search/scoring';
import { ExactTopK } from '../../../src/helper/memory/search/topK';
import { tempDir } from '../../support/fixtures';

let seed = 42;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const COMMON = ['deploy', 'cache', 'token', 'schema', 'retry', 'queue', 'index', 'config', 'session', 'backup', 'metric', 'socket'];
const COMMON_P = COMMON.map((_, i) => 0.1 + (0.1 * i) / (COMMON.length - 1));
const RARE = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}x`);

function memoryText(): string {
  const words: string[] = [];
  COMMON.forEach((w, i) => {
    if (rand() < COMMON_P[i]!) {
      words.push(w);
      if (rand() < 0.25) words.push(w);
      if (rand() < 0.05) words.push(w, w);
    }
  });
  const n = 5 + Math.floor(rand() * 40);
  for (let i = 0; i < n; i++) words.push(RARE[Math.floor(RARE.length * rand() ** 2)]!);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [words[i], words[j]] = [words[j]!, words[i]!];
  }
  return `${words.join(' ')} n${Math.floor(rand() * 1e9)}`;
}

function query(): string {
  const n = 1 + Math.floor(rand() * 4);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rand() < 0.8 ? COMMON[Math.floor(rand() * COMMON.length)]! : RARE[Math.floor(rand() * 200)]!);
  return words.join(' ');
}

/** Every memory scored from its text with statistics counted from scratch: the ranking the top-k must equal. */
function bruteForce(store: MemoryStore) {
  const rows = store.database.prepare('SELECT rowid, content, tags FROM memories').all() as { rowid: number; content: string; tags: string }[];
  const docs = rows.map((r) => ({ rowid: r.rowid, ...docTerms(r.content, r.tags) }));
  const df = new Map<string, number>();
  let tokens = 0;
  for (const d of docs) {
    tokens += d.dl;
    for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const stats = { docs: docs.length, tokens };
  return {
    stats,
    df,
    rank(q: string, k: number): Scored[] {
      const stems = parseQuery(q).clauses.map((c) => c.stems[0]!);
      const idfs = stems.map((s) => idf(stats, df.get(s) ?? 0));
      return docs
        .map((d) => scoreDoc(d.rowid, idfs, stems, d.tf, d.dl, tokens / docs.length))
        .filter((s) => s.matched > 0)
        .sort(compareScored)
        .slice(0, k);
    },
  };
}

/** Deletes (some memories in segments), the newest memory deleted and its rowid reused, and edits through SQL. */
async function churn(s: MemoryStore, from: number, step: number): Promise<void> {
  const ids = s.database.prepare('SELECT id FROM memories ORDER BY rowid').pluck().all() as string[];
  for (let i = from; i < ids.length; i += step) s.delete(ids[i]!);
  s.delete(ids[ids.length - 1]!);
  await s.save({ content: 'deploy deploy cache reused rowid' });
  const edit = s.database.prepare('UPDATE memories SET content = ? WHERE id = ?');
  for (let i = from + 5; i < ids.length; i += step * 6) edit.run(memoryText(), ids[i]!);
}

async function generated(label: string, size: number): Promise<MemoryStore> {
  const s = MemoryStore.open(join(tempDir(label), 'memory.db'));
  let made = 0;
  // Batches of mixed sizes: large segments, single saves' one-memory segments, and merges of all of them.
  const sizes = [Math.floor(size * 0.2), 700, 900, 1, 1, 500, Math.floor(size * 0.1)];
  for (const n of sizes) {
    if (made >= size) break;
    const take = Math.min(n, size - made);
    if (take === 1) await s.save({ content: memoryText(), tags: rand() < 0.5 ? 'deploy' : 'ops' });
    else s.saveMany(Array.from({ length: take }, () => ({ content: memoryText(), ...(rand() < 0.1 ? { tags: ['cache', 'ops'] } : {}) })));
    made += take;
  }
  let churned = false;
  while (made < size) {
    // Halfway, deletes and edits that later merges must drop and re-read.
    if (!churned && made >= size / 2) {
      await churn(s, 3, 41);
      churned = true;
    }
    const take = Math.min(300, size - made);
    s.saveMany(Array.from({ length: take }, () => ({ content: memoryText() })));
    made += take;
  }
  await churn(s, 0, 37);
  return s;
}

async function checkExact(label: string, size: number, queries: number) {
  const store = await generated(label, size);
  const brute = bruteForce(store);
  // The store's own statistics are the ones counted from scratch.
  const st = store.database.prepare('SELECT docs, tokens FROM search_stats').get() as { docs: number; tokens: number };
  assert.deepEqual(st, brute.stats);
  const dfRows = store.database.prepare('SELECT term, df FROM search_terms WHERE df > 0').all() as { term: string; df: number }[];
  assert.deepEqual(new Map(dfRows.map((r) => [r.term, r.df])), brute.df);
  for (const w of COMMON) {
    const share = brute.df.get(porterStem(w))! / brute.stats.docs;
    assert.ok(share >= 0.09 && share <= 0.22, `${w} matches ${share}`);
  }
  const topK = new ExactTopK(store.database);
  // Segments were merged (fewer exist than were written), deletes and edits among them.
  const written = (store.database.prepare('SELECT next_segment - 1 FROM search_stats').pluck().get() as number);
  const segments = store.database.prepare('SELECT count(*) FROM search_segments').pluck().get() as number;
  if (size >= 20_000) assert.ok(segments < written - 8, `${segments} segments of ${written} written`);
  let compared = 0;
  for (let i = 0; i < queries; i++) {
    const q = query();
    const want = brute.rank(q, 10);
    const got = topK.top(parseQuery(q), 10);
    assert.deepEqual(got, want, `query "${q}" at ${size}`);
    compared++;
    if (i % 20 === 0) {
      // Through the store as a caller sees it: the same memories in the same order.
      const hits = (await store.search({ query: q, limit: 10 })).hits.map((h) => h.id);
      const idOf = store.database.prepare('SELECT id FROM memories WHERE rowid = ?').pluck();
      assert.deepEqual(hits, want.map((w) => idOf.get(w.rowid)), `store.search "${q}"`);
    }
  }
  store.close();
  return compared;
}

describe('exact top-k', () => {
  it('equals a brute-force ranking of every match for 300 random queries on 4,000 memories', async () => {
    assert.equal(await checkExact('exact-small', 4_000, 300), 300);
  });

  it('equals a brute-force ranking of every match for 200 random queries on 30,000 memories', async () => {
    assert.equal(await checkExact('exact-large', 30_000, 200), 200);
  });
});
