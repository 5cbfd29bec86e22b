// Exact top-10 search at 100k and 1M memories for 1–4 word queries of common words (each in 10–20 % of memories):
// p50/p95 beside FTS5's full ORDER BY rank over the same analysed text (the ratio) and beside schema v6's ranking of
// the 2,000 newest matches (its overlap@10 with the exact top 10); prefix search as you type, 2-word phrases and
// workspace-filtered queries at both sizes. The store has no FTS5 since schema v13: the bench builds an FTS5 table of
// the memories' analysed text in the same file after the timed ingest, as schema v8 indexed it, to compare against.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMPORT_BATCH_RECORDS } from '../src/helper/memory/importExport';
import { MemoryStore } from '../src/helper/memory/store';
import { analyze, porterStem } from '../src/helper/memory/search/analysis';
import { parseQuery } from '../src/helper/memory/search/query';
import { ExactTopK } from '../src/helper/memory/search/topK';
import { cpuCalibrationMs, median, percentile, round, writeResults } from './support';
import { recallFigures } from './memoryRecall';

const VOCAB = 20_000;
let seed = 11;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const letters = 'abcdefghijklmnopqrstuvwxyz';
const words = Array.from({ length: VOCAB }, (_, i) => {
  let w = '';
  let n = i + 1;
  do {
    w += letters[n % 26];
    n = Math.floor(n / 26);
  } while (n > 0);
  return `${w}${letters[(i * 7) % 26]}${letters[(i * 13) % 26]}q`;
});
const cumulative = (() => {
  const c = new Float64Array(VOCAB);
  let t = 0;
  for (let i = 0; i < VOCAB; i++) c[i] = t += 1 / (i + 1);
  for (let i = 0; i < VOCAB; i++) c[i]! /= t;
  return c;
})();
function word(): string {
  const x = rand();
  let lo = 0;
  let hi = VOCAB - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
}
function text(i: number): string {
  const n = 20 + Math.floor(rand() * 60);
  const out: string[] = [];
  for (let j = 0; j < n; j++) out.push(word());
  return `${out.join(' ')} #${i}`;
}

async function build(size: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
  const store = MemoryStore.open(join(dir, 'memory.db'));
  // Only saveMany is timed (as in memory.bench.ts): the ingest rate with the full-text and top-k indexes.
  let ns = 0n;
  // CPU time too (this process's threads): on a machine shared with other builds it varies less than wall time.
  let cpuUs = 0;
  const cpuMs = cpuCalibrationMs();
  await store.bulkWrite(async () => {
    for (let done = 0; done < size; done += IMPORT_BATCH_RECORDS) {
      const batch = Array.from({ length: Math.min(IMPORT_BATCH_RECORDS, size - done) }, (_, i) => ({ content: text(done + i) }));
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      store.saveMany(batch);
      ns += process.hrtime.bigint() - t0;
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
    }
  });
  store.database.pragma('wal_checkpoint(TRUNCATE)');
  const ingest = { ingestPerSec: Math.round(size / (Number(ns) / 1e9)), ingestPerCpuSec: Math.round(size / (cpuUs / 1e6)), cpuCalibrationMs: cpuMs, loadAverage1m: round(loadavg()[0]!, 1) };
  return { dir, store, ingest };
}

/** Words whose memories are 10–20 % of the store. */
function commonWords(store: MemoryStore, size: number): string[] {
  const df = store.database.prepare('SELECT df FROM search_terms WHERE term = ?').pluck();
  return words.slice(0, 400).filter((w) => {
    const share = ((df.get(porterStem(w)) as number | undefined) ?? 0) / size;
    return share >= 0.1 && share <= 0.2;
  });
}

function time<T>(fn: () => T): [number, T] {
  const t = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
}

function stats(xs: number[]) {
  return { p50Ms: round(median(xs), 3), p95Ms: round(percentile(xs, 95), 3) };
}

/** As you type: prefixes of 3–5 letters of mid-frequency words, the last word of a 1–2 word query (the other a common word). */
async function prefixFigures(store: MemoryStore, common: string[]) {
  const typed: string[] = [];
  for (let i = 0; i < 60; i++) {
    const w = words[20 + Math.floor(rand() * 2000)]!;
    const lead = i % 2 ? `${common[i % common.length]} ` : '';
    typed.push(lead + w.slice(0, 3 + (i % 3)));
  }
  for (const q of typed.slice(0, 5)) await store.search({ query: q, prefix: true });
  const times: number[] = [];
  const byWords: Record<string, number[]> = { '1': [], '2': [] };
  for (const q of typed) {
    const t = process.hrtime.bigint();
    await store.search({ query: q, prefix: true, limit: 10 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    times.push(ms);
    byWords[q.includes(' ') ? '2' : '1']!.push(ms);
  }
  const prefix = { queries: typed.length, ...stats(times), oneWord: stats(byWords['1']!), commonWordThenPrefix: stats(byWords['2']!) };
  console.log('prefix', prefix);
  return prefix;
}

/** FTS5 over the memories' analysed text (schema v8's table: porter over unicode61), for the comparisons; untimed. */
function buildFts5(store: MemoryStore): void {
  const db = store.database;
  db.exec(`CREATE VIRTUAL TABLE bench_fts USING fts5(body, tags, content='', tokenize='porter unicode61 remove_diacritics 2');
    INSERT INTO bench_fts(bench_fts, rank) VALUES ('hashsize', 16777216);
    INSERT INTO bench_fts(bench_fts, rank) VALUES ('automerge', 8);`);
  const insert = db.prepare('INSERT INTO bench_fts(rowid, body, tags) VALUES (?, ?, ?)');
  const rows = db.prepare('SELECT rowid, content, tags FROM memories WHERE rowid > ? ORDER BY rowid LIMIT 20000');
  let last = 0;
  for (;;) {
    const batch = rows.all(last) as { rowid: number; content: string; tags: string }[];
    if (!batch.length) break;
    db.transaction(() => {
      for (const r of batch) insert.run(r.rowid, analyze(r.content).join(' '), analyze(r.tags).join(' '));
    })();
    last = batch[batch.length - 1]!.rowid;
  }
}

/** Workspaces set after the timed ingest (no search trigger reads them): one memory in 10 and one in 100. */
const WORKSPACE_10 = '/work/tenth';
const WORKSPACE_1 = '/work/hundredth';

function setWorkspaces(store: MemoryStore): void {
  store.database.prepare('UPDATE memories SET workspace = ? WHERE rowid % 10 = 0').run(WORKSPACE_10);
  store.database.prepare('UPDATE memories SET workspace = ? WHERE rowid % 100 = 1').run(WORKSPACE_1);
}

/** Timed end to end through store.search, beside FTS5's ORDER BY rank of the same expression (filtered by a join). */
async function timedAgainstFts5(store: MemoryStore, queries: { query: string; workspace?: string }[]) {
  const db = store.database;
  const fts = db.prepare('SELECT rowid FROM bench_fts WHERE bench_fts MATCH ? ORDER BY rank LIMIT 10').pluck();
  const ftsFiltered = db.prepare('SELECT f.rowid FROM bench_fts f JOIN memories m ON m.rowid = f.rowid WHERE bench_fts MATCH ? AND m.workspace = ? ORDER BY rank LIMIT 10').pluck();
  const ours: number[] = [];
  const theirs: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const t = process.hrtime.bigint();
    hits += (await store.search({ ...q, limit: 10 })).hits.length;
    ours.push(Number(process.hrtime.bigint() - t) / 1e6);
    const match = parseQuery(q.query).match;
    theirs.push(time(() => (q.workspace ? ftsFiltered.all(match, q.workspace) : fts.all(match)))[0]);
  }
  return { queries: queries.length, meanHits: round(hits / queries.length, 1), ...stats(ours), fts5OrderByRank: stats(theirs), ratioFts5OverOurs: round(median(theirs) / median(ours), 1) };
}

/** 2-word phrases: of two common words (every memory holding both is a candidate to verify), and pairs from memories. */
async function phraseFigures(store: MemoryStore, common: string[], size: number) {
  const text = store.database.prepare('SELECT content FROM memories WHERE rowid = ?').pluck();
  // Each phrase once: a phrase's verified lists are cached per segment, so a repeated one would be far faster.
  const seen = new Set<string>();
  const ofCommon: { query: string }[] = [];
  while (ofCommon.length < 30) {
    const q = `"${common[Math.floor(rand() * common.length)]} ${common[Math.floor(rand() * common.length)]}"`;
    if (seen.has(q)) continue;
    seen.add(q);
    ofCommon.push({ query: q });
  }
  const fromText: { query: string }[] = [];
  while (fromText.length < 30) {
    const w = (text.get(1 + Math.floor(rand() * size)) as string).split(' ');
    const at = Math.floor(rand() * (w.length - 2));
    const q = `"${w[at]} ${w[at + 1]}"`;
    if (seen.has(q)) continue;
    seen.add(q);
    fromText.push({ query: q });
  }
  const phrase = { ofCommonWords: await timedAgainstFts5(store, ofCommon), pairFromAMemory: await timedAgainstFts5(store, fromText) };
  console.log('phrase', size, phrase);
  return phrase;
}

/** 1–2 common words in one workspace: a tenth of the memories, and a hundredth. */
async function filteredFigures(store: MemoryStore, common: string[], size: number) {
  const qs = (workspace: string) =>
    Array.from({ length: 30 }, (_, i) => ({ query: Array.from({ length: 1 + (i % 2) }, () => common[Math.floor(rand() * common.length)]!).join(' '), workspace }));
  for (const q of qs(WORKSPACE_10).slice(0, 3)) await store.search(q);
  const filtered = { workspaceTenth: await timedAgainstFts5(store, qs(WORKSPACE_10)), workspaceHundredth: await timedAgainstFts5(store, qs(WORKSPACE_1)) };
  console.log('filtered', size, filtered);
  return filtered;
}

async function topKFigures(size: number) {
  const { dir, store, ingest } = await build(size);
  try {
    const t0 = Date.now();
    buildFts5(store);
    setWorkspaces(store);
    console.log(size, `FTS5 table for the comparisons built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const common = commonWords(store, size);
    const topK = new ExactTopK(store.database);
    // Cold reads on their own instance: emptying the timed instance's cache would make its next query cold too.
    const coldTopK = new ExactTopK(store.database);
    const db = store.database;
    const full = db.prepare('SELECT rowid FROM bench_fts WHERE bench_fts MATCH ? ORDER BY rank LIMIT 10').pluck();
    // Schema v6's ranking: the 2,000 newest matches, ranked by bm25.
    const truncated = db.prepare('SELECT rowid FROM (SELECT rowid, rank FROM bench_fts WHERE bench_fts MATCH ? ORDER BY rowid DESC LIMIT 2000) ORDER BY rank LIMIT 10').pluck();
    const perTerms: Record<string, unknown> = {};
    for (const n of [1, 2, 3, 4]) {
      const qs = Array.from({ length: n === 1 ? 60 : 40 }, () => Array.from({ length: n }, () => common[Math.floor(rand() * common.length)]!).join(' '));
      for (const q of qs.slice(0, 5)) topK.top(parseQuery(q), 10);
      const ours: number[] = [];
      const oursCpu: number[] = [];
      const cold: number[] = [];
      const fts: number[] = [];
      const old: number[] = [];
      const through: number[] = [];
      let overlap = 0;
      let postings = 0;
      for (const q of qs) {
        const parsed = parseQuery(q);
        const c0 = process.cpuUsage();
        const [ms, exact] = time(() => topK.top(parsed, 10));
        const c = process.cpuUsage(c0);
        ours.push(ms);
        oursCpu.push((c.user + c.system) / 1000);
        postings += topK.lastStats.postingsRead;
        // The same with the decoded-postings cache emptied first: every list read and decoded from SQLite.
        coldTopK.segments.clearCache();
        cold.push(time(() => coldTopK.top(parsed, 10))[0]);
        const t = process.hrtime.bigint();
        await store.search({ query: q, limit: 10 });
        through.push(Number(process.hrtime.bigint() - t) / 1e6);
        const [msFull] = time(() => full.all(parsed.match));
        fts.push(msFull);
        const [msOld, oldTop] = time(() => truncated.all(parsed.match) as number[]);
        old.push(msOld);
        const want = new Set(exact.map((s) => s.rowid));
        overlap += oldTop.filter((r) => want.has(r)).length / Math.max(1, want.size);
      }
      perTerms[`${n}`] = {
        queries: qs.length,
        exactTop10: stats(ours),
        exactTop10CpuTime: stats(oursCpu),
        exactTop10ColdCache: stats(cold),
        throughStoreSearch: stats(through),
        meanPostingsRead: Math.round(postings / qs.length),
        fts5FullOrderByRank: stats(fts),
        ratioFullOverOurs: round(median(fts) / median(ours), 1),
        schemaV6Truncated: { ...stats(old), overlapAt10WithExact: round(overlap / qs.length, 3) },
      };
      console.log(size, n, perTerms[`${n}`]);
    }
    const prefix = await prefixFigures(store, common);
    const phrase = await phraseFigures(store, common, size);
    const filtered = await filteredFigures(store, common, size);
    const segments = db.prepare('SELECT count(*) FROM search_segments').pluck().get() as number;
    return {
      ingest, segments, commonWords: common.length, cpuCalibrationMs: cpuCalibrationMs(), loadAverage1m: round(loadavg()[0]!, 1),
      byQueryWords: perTerms, prefixAsYouType: prefix, phrase2Words: phrase, filteredByWorkspace: filtered,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (process.env.BENCH_SEARCH_PREFIX_ONLY) {
    // Prefix search as you type alone, at 100k, into its own file (the exact top-k figures stay where they are).
    const b = await build(100_000);
    try {
      const prefix = await prefixFigures(b.store, commonWords(b.store, 100_000));
      writeResults('memory-search-prefix', {
        size: 100_000,
        prefixAsYouType: prefix,
        cpuCalibrationMs: cpuCalibrationMs(),
        loadAverage1m: round(loadavg()[0]!, 1),
        notes: ['store.search({ query, prefix: true, limit: 10 }) end to end: parsing, ranking, rows, snippets', 'the ranking of every query is checked against a full ranking in test/integration/memory/searchRanking.test.ts'],
        target: { prefix100kP50Ms: 10 },
      });
    } finally {
      b.store.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
    return;
  }
  if (process.env.BENCH_SEARCH_INGEST_ONLY) {
    // Ingest alone at the given sizes (the full-text and top-k indexes as an import builds them), into its own file.
    const ingest: Record<string, unknown> = {};
    for (const size of (process.env.BENCH_SEARCH_SIZES ?? '1000000').split(',').filter(Boolean).map(Number)) {
      const b = await build(size);
      ingest[size] = { ...b.ingest, loadAverage1m: round(loadavg()[0]!, 1) };
      console.log(size, ingest[size]);
      b.store.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
    writeResults('memory-search-ingest', { ingest, targets: { ingestPerSecAt1M: 50_000 } });
    return;
  }
  const sizes = (process.env.BENCH_SEARCH_SIZES ?? '100000,1000000').split(',').filter(Boolean).map(Number);
  const recall = await recallFigures();
  console.log('recall', recall);
  const topK: Record<string, unknown> = {};
  for (const size of sizes) topK[size] = await topKFigures(size);
  writeResults('memory-search', {
    recall,
    exactTopK: topK,
    notes: [
      'exactTopK: ExactTopK.top(query, 10) timed alone; throughStoreSearch adds parsing, row reads, snippets and the access-time bump',
      'exactTop10ColdCache: the same query again with the decoded-postings cache (64 MB bound) emptied first',
      'exactTop10CpuTime, ingestPerCpuSec: the same measured in CPU time of this process (wall time on a shared, loaded machine includes waiting for a core)',
      'meanPostingsRead: the postings in the lists of the query words (every segment), read or skipped by galloping',
      'fts5FullOrderByRank: SELECT ... MATCH (words ORed) ORDER BY rank LIMIT 10 over an FTS5 table of the same analysed text (porter unicode61, as schema v8-v12 kept it; built after the timed ingest): every match scored',
      'prefixAsYouType, phrase2Words, filteredByWorkspace: store.search end to end (parsing, ranking over the segments, rows, snippets); phrases each asked once (their verified lists are cached); fts5OrderByRank beside them: the same expression in FTS5 (joined to memories for the workspace)',
      'filteredByWorkspace: 1-2 common words; workspaceTenth holds every 10th memory, workspaceHundredth every 100th (set after the ingest)',
      'schemaV6Truncated: bm25 over the 2,000 newest matches, as schema v6 ranked; overlapAt10WithExact: share of its top 10 in the exact top 10',
    ],
    targets: { exactTop10P50Ms: 5, exactTop10P95Ms: 20, prefix100kP50Ms: 10 },
  });
}

void main();
