// Prefix, phrase and filtered searches (the full ranking over the segments, not the plain-word top-k) against a brute
// force in JS from each memory's text, on generated stores where common words match 10–20 % of the memories and
// share prefixes, with deletes, edits and reused rowids between the queries (stale postings in the segments).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/helper/memory/store';
import { docTerms } from '../../../src/helper/memory/search/docTerms';
import { FullRanking } from '../../../src/helper/memory/search/fullRanking';
import { ExactTopK } from '../../../src/helper/memory/search/topK';
import { searchOptions, hasFilters } from '../../../src/helper/memory/search/options';
import { parseQuery, type Clause } from '../../../src/helper/memory/search/query';
import { porterStem } from '../../../src/helper/memory/search/porter';
import { compareScored, idf, termWeight, type Scored } from '../../../src/helper/memory/search/scoring';
import { tempDir } from '../../support/fixtures';

let seed = 7;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
// Families sharing prefixes ("cache", "cached", "caching", "cachet"), so a typed prefix expands to several terms.
const COMMON = ['deploy', 'deployment', 'cache', 'caching', 'cachet', 'token', 'tokenizer', 'schema', 'retry', 'retries', 'queue', 'session', 'sessions'];
const RARE = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}x${'abc'[i % 3]}`);
const CATEGORIES = ['note', 'decision', 'fact'];
const WORKSPACES = ['', '/work/a', '/work/b'];

function memoryText(): string {
  const words: string[] = [];
  for (const w of COMMON) if (rand() < 0.12) words.push(...Array.from({ length: 1 + Math.floor(rand() ** 3 * 3) }, () => w));
  const n = 4 + Math.floor(rand() * 30);
  for (let i = 0; i < n; i++) words.push(RARE[Math.floor(RARE.length * rand() ** 2)]!);
  for (let i = words.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [words[i], words[j]] = [words[j]!, words[i]!];
  }
  return words.join(' ');
}

/** 1–3 words typed, the last one cut to a prefix; sometimes a quoted phrase, sometimes a finished last word. */
function typedQuery(): string {
  const n = 1 + Math.floor(rand() * 3);
  const words = Array.from({ length: n }, () => (rand() < 0.75 ? pick(COMMON) : pick(RARE.slice(0, 300))));
  if (n > 1 && rand() < 0.15) words[0] = `"${words[0]} ${pick(COMMON)}"`;
  // Phrases of the tags (a column of their own): "ops cache" in the tags, "cache ops" only across body and tags.
  else if (n > 1 && rand() < 0.1) words[0] = pick(['"ops cache"', '"cache ops"', '"ops team"', '"team ops"']);
  const last = words[n - 1]!;
  if (!last.startsWith('"')) words[n - 1] = last.slice(0, Math.min(last.length, 2 + Math.floor(rand() * 5)));
  return words.join(' ') + (rand() < 0.1 ? ' ' : '');
}

interface Doc {
  rowid: number;
  tf: Map<string, number>;
  dl: number;
  /** Stems of the body and of the tags: a phrase matches within one of them, never across. */
  body: string[];
  tagStems: string[];
  category: string;
  workspace: string;
  tags: string[];
}

/** How often a clause occurs in a memory, as FTS5 counted it: a term's stem, a prefix of stems, a phrase's runs. */
function occurrences(c: Clause, d: Doc): number {
  if (c.kind === 'term') return d.tf.get(c.stems[0]!) ?? 0;
  if (c.kind === 'prefix') {
    // FTS5 stems the typed prefix as a token too ("rotates"* looks for stems starting with "rotat").
    const p = porterStem(c.stems[0]!);
    let n = 0;
    for (const [t, f] of d.tf) if (t.startsWith(p)) n += f;
    return n;
  }
  let n = 0;
  for (const col of [d.body, d.tagStems]) for (let i = 0; i + c.stems.length <= col.length; i++) if (c.stems.every((s, j) => col[i + j] === s)) n++;
  return n;
}

interface Filter {
  category?: string;
  workspace?: string;
  tags?: string[];
}

function bruteForce(store: MemoryStore) {
  const rows = store.database.prepare('SELECT rowid, content, tags, category, workspace FROM memories').all() as { rowid: number; content: string; tags: string; category: string; workspace: string }[];
  const stemsOf = (text: string) => text.split(' ').filter(Boolean).map(porterStem);
  const docs: Doc[] = rows.map((r) => {
    const t = docTerms(r.content, r.tags);
    return {
      rowid: r.rowid, tf: t.tf, dl: t.dl, body: stemsOf(t.bodyText), tagStems: stemsOf(t.tagsText),
      category: r.category, workspace: r.workspace, tags: r.tags.split('\u001f').filter(Boolean),
    };
  });
  const tokens = docs.reduce((n, d) => n + d.dl, 0);
  const stats = { docs: docs.length, tokens };
  return (query: string, filter: Filter, k: number): Scored[] => {
    const clauses = parseQuery(query, { prefixLast: true }).clauses;
    const counts = docs.map((d) => clauses.map((c) => occurrences(c, d)));
    const idfs = clauses.map((_, i) => idf(stats, counts.filter((f) => f[i]! > 0).length));
    return docs
      .map((d, j) => {
        let matched = 0;
        let bm25 = 0;
        clauses.forEach((_, i) => {
          const f = counts[j]![i]!;
          if (f > 0) matched++;
          bm25 += idfs[i]! * termWeight(f, d.dl, tokens / docs.length);
        });
        return { rowid: d.rowid, matched, bm25, d };
      })
      .filter(
        (s) =>
          s.matched > 0 &&
          (!filter.category || s.d.category === filter.category) &&
          (filter.workspace === undefined || s.d.workspace === filter.workspace) &&
          (filter.tags ?? []).every((t) => s.d.tags.includes(t)),
      )
      .map(({ rowid, matched, bm25 }) => ({ rowid, matched, bm25 }))
      .sort(compareScored)
      .slice(0, k);
  };
}

const newMemory = () => ({
  content: memoryText(),
  category: pick(CATEGORIES),
  workspace: pick(WORKSPACES),
  ...(rand() < 0.2 ? { tags: ['ops', pick(['cache', 'team'])] } : {}),
});

async function generated(label: string, size: number): Promise<MemoryStore> {
  const s = MemoryStore.open(join(tempDir(label), 'memory.db'));
  for (let made = 0; made < size; made += 500) s.saveMany(Array.from({ length: Math.min(500, size - made) }, newMemory));
  churn(s, 41, 197);
  return s;
}

/**
 * Deletes every `deleteEvery`-th memory and edits every `editEvery`-th (content or tags), then deletes the newest and
 * saves one (SQLite reuses its rowid, inside the last segment): postings in the segments go stale, of all three kinds.
 */
function churn(s: MemoryStore, deleteEvery: number, editEvery: number): void {
  const ids = s.database.prepare('SELECT id FROM memories ORDER BY rowid').pluck().all() as string[];
  const offset = Math.floor(rand() * deleteEvery);
  for (let i = offset; i < ids.length; i += deleteEvery) s.delete(ids[i]!);
  const edit = s.database.prepare('UPDATE memories SET content = ? WHERE id = ?');
  const retag = s.database.prepare('UPDATE memories SET tags = ? WHERE id = ?');
  for (let i = offset + 3; i < ids.length; i += editEvery) {
    if (rand() < 0.7) edit.run(memoryText(), ids[i]!);
    else retag.run(`\u001fops\u001f${pick(['cache', 'team'])}\u001f`, ids[i]!);
  }
  const newest = s.database.prepare('SELECT id FROM memories ORDER BY rowid DESC LIMIT 1').pluck().get() as string;
  s.delete(newest);
  s.saveMany([newMemory()]);
}

/** Same memories in the same order, and the same scores up to float noise. */
function assertSameRanking(got: Scored[], want: Scored[], what: string): void {
  assert.deepEqual(got.map((s) => [s.rowid, s.matched]), want.map((s) => [s.rowid, s.matched]), what);
  got.forEach((s, i) => assert.ok(Math.abs(s.bm25 - want[i]!.bm25) <= 1e-9 * Math.max(1, Math.abs(s.bm25)), `${what}: bm25 of ${s.rowid}`));
}

async function checkRanking(label: string, size: number, queries: number): Promise<{ compared: number; tierOnly: number }> {
  const store = await generated(label, size);
  let brute = bruteForce(store);
  const full = new FullRanking(store.database, new ExactTopK(store.database));
  const idOf = store.database.prepare('SELECT id FROM memories WHERE rowid = ?').pluck();
  let compared = 0;
  let tierOnly = 0;
  for (let i = 0; i < queries; i++) {
    if (i && i % 50 === 0) {
      // More deletes and edits between queries: cached lists and deleted sets must follow.
      churn(store, 97, 151);
      brute = bruteForce(store);
    }
    const q = typedQuery();
    const r = rand();
    // Filters passing a third to a thirtieth of the matches: some pages fill from the first ranking, others go deeper.
    const filter: Filter =
      r < 0.1 ? { category: pick(CATEGORIES) }
      : r < 0.2 ? { tags: ['ops'] }
      : r < 0.3 ? { workspace: pick(WORKSPACES.slice(1)) }
      : r < 0.4 ? { category: pick(CATEGORIES), workspace: pick(WORKSPACES.slice(1)), tags: ['team'] }
      : {};
    const opts = searchOptions({ query: q, prefix: true, ...filter });
    const parsed = parseQuery(q, { prefixLast: true });
    const k = rand() < 0.2 ? 1 + Math.floor(rand() * 40) : 11;
    const got = full.rank(parsed, opts.filters, hasFilters(opts.filters), k);
    assertSameRanking(got, brute(q, filter, k), `brute force for "${q}" ${JSON.stringify(filter)} k=${k} at ${size}`);
    if (parsed.clauses.length > 1 && got.length === k && got.every((s) => s.matched === parsed.clauses.length)) tierOnly++;
    compared++;
    if (i % 10 === 0) {
      const hits = (await store.search({ query: q, prefix: true, limit: 10, ...filter })).hits.map((h) => h.id);
      assert.deepEqual(hits, brute(q, filter, 10).map((s) => idOf.get(s.rowid)), `store.search "${q}" ${JSON.stringify(filter)}`);
    }
  }
  store.close();
  return { compared, tierOnly };
}

describe('prefix, phrase and filtered ranking', () => {
  it('equals a brute force from the text for 300 typed queries on 4,000 memories, with deletes, edits and a reused rowid between them', async () => {
    const r = await checkRanking('ranking-small', 4_000, 300);
    assert.equal(r.compared, 300);
    // Both paths are exercised: pages filled by the top tier alone and pages that reach into lower tiers.
    assert.ok(r.tierOnly > 20 && r.tierOnly < 280, `top tier alone in ${r.tierOnly} of 300`);
  });

  it('equals a brute force from the text for 150 typed queries on 20,000 memories, with deletes, edits and a reused rowid between them', async () => {
    assert.equal((await checkRanking('ranking-large', 20_000, 150)).compared, 150);
  });
});

describe('phrases and prefixes over the segments', () => {
  it('matches a phrase within the body or within the tags, never across; stop-word phrases, prefixes of words and identifiers', async () => {
    const s = MemoryStore.open(join(tempDir('ranking-phrases'), 'memory.db'));
    const across = await s.save({ content: 'rollout notes about the staging cluster', tags: ['canary', 'deploy'] });
    const inTags = await s.save({ content: 'unrelated text', tags: ['staging cluster'] });
    const inBody = await s.save({ content: 'the staging cluster runs canary deploy checks' });
    const toBe = await s.save({ content: 'what is to be done about flaky tests' });
    await s.save({ content: 'be sure to run the linter' });
    const sqlite = await s.save({ content: 'WAL mode makes sqlite readers never wait for writers' });
    const getUser = await s.save({ content: 'getUserById caches for a minute' });
    const ids = async (query: string, prefix = false) => (await s.search({ query, prefix, limit: 20 })).hits.map((h) => h.id);
    // "cluster canary" only spans the body's end and the tags' start: no match for it there.
    assert.deepEqual(await ids('"cluster canary"'), []);
    // In the tags of one, in the body of the other (the shorter first).
    assert.deepEqual(await ids('"canary deploy"'), [inBody.id, across.id]);
    assert.deepEqual(new Set(await ids('"staging cluster"')), new Set([across.id, inTags.id, inBody.id]));
    assert.deepEqual(await ids('"to be"'), [toBe.id]);
    assert.deepEqual(await ids('sql', true), [sqlite.id]);
    assert.deepEqual(await ids('getUser*'), [getUser.id]);
    // A deleted memory's postings stay in its segment until a merge: it is found no more, and counts in no df.
    s.delete(toBe.id);
    assert.deepEqual(await ids('"to be"'), []);
    s.close();
  });
});
