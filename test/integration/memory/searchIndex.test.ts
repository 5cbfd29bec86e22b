// The search index on real SQLite files: a v6 store migrates (v10 and v11 index every memory), a v10 store to v11's
// segments and a v12 store out of FTS5 (v13), with progress lines and nothing lost; single saves' segments are merged
// to a few; edits and deletes keep the index in step with the table; and the ranking is exact over every match.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCHEMA_VERSION } from '../../../src/helper/memory/db';
import { MemoryStore } from '../../../src/helper/memory/store';
import { tempDir } from '../../support/fixtures';

/** Schema v6's full-text index: an external-content table over the raw text, kept by triggers. */
const V6_FTS = `
  DROP TRIGGER IF EXISTS memories_ad; DROP TRIGGER IF EXISTS memories_au; DROP TABLE IF EXISTS memories_fts;
  CREATE VIRTUAL TABLE memories_fts USING fts5(content, tags, content='memories', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
  CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
  END;
  CREATE TRIGGER memories_au AFTER UPDATE OF content, tags ON memories BEGIN
    INSERT INTO memories_fts(memories_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
    INSERT INTO memories_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
  END;
  INSERT INTO memories_fts(memories_fts) VALUES ('rebuild');
  PRAGMA user_version = 6;`;

describe('memory search index', () => {
  it('migrates a v6 store: every memory indexed (schemas v10 and v11) for the new search, with progress lines, none lost', async () => {
    const path = join(tempDir('search-v6'), 'memory.db');
    const s = MemoryStore.open(path);
    s.saveMany(Array.from({ length: 45_000 }, (_, i) => ({ content: `note ${i}: the deploy rotates keys for service_${i % 7}`, tags: i % 2 ? 'ops' : 'dev' })));
    await s.save({ content: 'The staging database password rotates every Tuesday', category: 'fact' });
    s.database.exec(V6_FTS);
    // Before: the v6 index finds only the literal inflection.
    assert.equal(s.database.prepare(`SELECT count(*) FROM memories_fts WHERE memories_fts MATCH '"rotate"'`).pluck().get(), 0);
    s.close();
    const lines: string[] = [];
    const migrated = MemoryStore.open(path, { migrationLog: (l) => lines.push(l) });
    assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(migrated.stats().count, 45_001);
    assert.match(lines[0]!, /indexing 45001 memories \(schema v10/);
    assert.ok(lines.some((l) => /indexed 20000 of 45001/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /indexing 45001 memories \(schema v11/.test(l)), lines.join('\n'));
    assert.match(lines.at(-1)!, /indexed 45001 memories in/);
    // The exact top-k's statistics cover every memory.
    assert.deepEqual(migrated.database.prepare('SELECT docs FROM search_stats').pluck().get(), 45_001);
    const hit = (await migrated.search({ query: 'when does the staging password rotate', limit: 1 })).hits[0]!;
    assert.match(hit.content, /staging database password/);
    assert.equal((await migrated.search({ query: 'service 3', tags: 'ops', limit: 1000 })).hits.length, 1000);
    assert.equal((await migrated.search({ query: '"deploy rotates"', limit: 1000 })).hits.length, 1000);
    // FTS5 is gone (v13): v6's index and its triggers with it; the segments cover every memory.
    assert.deepEqual(migrated.database.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'memories_fts%' OR name IN ('memories_ad', 'memories_au')").pluck().all(), []);
    assert.deepEqual(migrated.database.prepare('SELECT min(lo), max(hi) FROM search_segments').raw(true).get(), [1, 45_001]);
    migrated.close();
    // Opening again does not reindex.
    const again: string[] = [];
    MemoryStore.open(path, { migrationLog: (l) => again.push(l) }).close();
    assert.deepEqual(again, []);
  });

  it('migrates a v10 store (impact-ordered postings) to v11: segments rebuilt with progress lines, the same results, none lost', async () => {
    const path = join(tempDir('search-v10'), 'memory.db');
    const s = MemoryStore.open(path);
    s.saveMany(Array.from({ length: 25_000 }, (_, i) => ({ content: `note ${i}: ${['deploy', 'cache', 'retry'][i % 3]} keys for service_${i % 7}`, tags: i % 2 ? 'ops' : 'dev' })));
    for (let i = 0; i < 5; i++) await s.save({ content: `deploy cache retry single save ${i}` });
    const queries = ['deploy', 'cache retry', 'service 3 keys', 'single save deploy'];
    const before = await Promise.all(queries.map(async (q) => (await s.search({ query: q, limit: 20 })).hits.map((h) => h.id)));
    // Schema v10's layout: one row per term per segment, impact-ordered; no segment tables.
    s.database.exec(`
      DROP TABLE search_segments; DROP TABLE search_blocks;
      CREATE TABLE search_postings (term TEXT NOT NULL, seg INTEGER NOT NULL, postings BLOB NOT NULL, PRIMARY KEY (term, seg)) WITHOUT ROWID;
      INSERT INTO search_postings VALUES ('deploy', 1, x'0102030405');
      UPDATE search_stats SET segmented_upto = 24000;
      PRAGMA user_version = 10;`);
    s.close();
    const lines: string[] = [];
    const migrated = MemoryStore.open(path, { migrationLog: (l) => lines.push(l) });
    assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.match(lines[0]!, /indexing 25005 memories \(schema v11/);
    assert.ok(lines.some((l) => /indexed 20000 of 25005/.test(l)), lines.join('\n'));
    assert.match(lines.at(-1)!, /indexed 25005 memories in/);
    assert.equal(migrated.stats().count, 25_005);
    assert.equal(migrated.database.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'search_postings'").pluck().get(), 0);
    const covered = migrated.database.prepare('SELECT min(lo), max(hi) FROM search_segments').raw(true).get();
    assert.deepEqual(covered, [1, 25_005]);
    const after = await Promise.all(queries.map(async (q) => (await migrated.search({ query: q, limit: 20 })).hits.map((h) => h.id)));
    assert.deepEqual(after, before);
    migrated.close();
  });

  it('writes a segment per save and merges them: 300 single saves leave a few segments, all found', async () => {
    const s = MemoryStore.open(join(tempDir('search-saves'), 'memory.db'));
    // Words whose UTF-16 order differs from SQLite's (UTF-8) order: past U+FFFF (surrogates) and in U+E000–U+FFFF.
    const marks = ['\u{1d4b3}', '\uff57', '\ufb00', 'z'];
    for (let i = 0; i < 300; i++) await s.save({ content: `save number w${i}x about ${i % 2 ? 'queues' : 'sockets'} ${marks[i % 4]}tok${i % 5}` });
    const segments = s.database.prepare('SELECT lo, hi FROM search_segments ORDER BY lo').all() as { lo: number; hi: number }[];
    assert.ok(segments.length <= 16, JSON.stringify(segments));
    assert.deepEqual([segments[0]!.lo, segments.at(-1)!.hi], [1, 300]);
    assert.equal((await s.search({ query: 'sockets', limit: 1000 })).hits.length, 150);
    assert.match((await s.search({ query: 'w123x', limit: 1 })).hits[0]!.content, /save number w123x/);
    for (const m of marks) for (let j = 0; j < 5; j++) assert.equal((await s.search({ query: `${m}tok${j}`, limit: 100 })).hits.length, 15, `${m}tok${j}`);
    s.close();
  });

  it('rewrites a segment once a quarter of its memories are deleted or edited, dropping their postings', async () => {
    const s = MemoryStore.open(join(tempDir('search-stale'), 'memory.db'));
    s.saveMany(Array.from({ length: 3000 }, (_, i) => ({ content: `entry ${i} of the ${i % 3 ? 'ledger' : 'journal'} q${i}z` })));
    const ids = s.database.prepare('SELECT id FROM memories ORDER BY rowid').pluck().all() as string[];
    for (let i = 0; i < 700; i++) s.delete(ids[i]!);
    s.database.prepare("UPDATE memories SET content = 'rewritten ledger entry' WHERE id = ?").run(ids[2000]!);
    const segment = s.database.prepare('SELECT seg, docs, dead FROM search_segments WHERE lo = 1');
    assert.deepEqual({ ...(segment.get() as object), seg: 0 }, { seg: 0, docs: 3000, dead: 701 });
    // Under a quarter: kept. The next write's policy check finds it stale past a quarter and rewrites it.
    for (let i = 700; i < 760; i++) s.delete(ids[i]!);
    await s.save({ content: 'one more ledger entry' });
    const after = segment.get() as { seg: number; docs: number; dead: number };
    assert.deepEqual({ docs: after.docs, dead: after.dead }, { docs: 2240, dead: 0 });
    assert.equal(s.database.prepare('SELECT count(*) FROM search_dirty').pluck().get(), 0);
    assert.equal((await s.search({ query: 'q5z' })).hits.length, 0);
    assert.equal((await s.search({ query: 'q2500z' })).hits.length, 1);
    assert.equal((await s.search({ query: 'rewritten', limit: 5 })).hits[0]!.id, ids[2000]);
    assert.equal((await s.search({ query: 'journal', limit: 1000 })).hits.length, 746);
    s.close();
  });

  it('rewrites the segment holding most edited memories once 256 are edited, so searches stop re-reading them', async () => {
    const s = MemoryStore.open(join(tempDir('search-dirty'), 'memory.db'));
    s.saveMany(Array.from({ length: 3000 }, (_, i) => ({ content: `record ${i} of the archive r${i}q` })));
    const edit = s.database.prepare('UPDATE memories SET content = ? WHERE rowid = ?');
    for (let r = 1; r <= 300; r++) edit.run(`edited record e${r}q of the archive`, r);
    const dirty = s.database.prepare('SELECT count(*) FROM search_dirty').pluck();
    assert.equal(dirty.get(), 300);
    await s.save({ content: 'a new record' });
    assert.equal(dirty.get(), 0);
    assert.deepEqual(s.database.prepare('SELECT docs, dead FROM search_segments WHERE lo = 1').get(), { docs: 3000, dead: 0 });
    assert.equal((await s.search({ query: 'r5q' })).hits.length, 0);
    assert.match((await s.search({ query: 'e5q' })).hits[0]!.content, /edited record e5q/);
    assert.equal((await s.search({ query: 'archive', limit: 1000 })).hits.length, 1000);
    s.close();
  });

  it('migrates a v11 store: segments gain their stale counts, kept by triggers from then on', () => {
    const path = join(tempDir('search-v11'), 'memory.db');
    const s = MemoryStore.open(path);
    s.saveMany(Array.from({ length: 500 }, (_, i) => ({ content: `item ${i}` })));
    s.database.exec(`DROP TRIGGER memories_ad_segments; DROP TRIGGER memories_au_segments;
      ALTER TABLE search_segments DROP COLUMN dead; ALTER TABLE search_segments DROP COLUMN docs; PRAGMA user_version = 11;`);
    s.close();
    const migrated = MemoryStore.open(path);
    assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    migrated.delete(migrated.database.prepare('SELECT id FROM memories WHERE rowid = 7').pluck().get() as string);
    assert.deepEqual(migrated.database.prepare('SELECT docs, dead FROM search_segments').all(), [{ docs: 500, dead: 1 }]);
    assert.equal(migrated.stats().count, 499);
    migrated.close();
  });

  it('migrates a v12 store out of FTS5 (v13): deleted memories marked from the segments, a tail indexed, the same results', async () => {
    const path = join(tempDir('search-v12'), 'memory.db');
    const s = MemoryStore.open(path);
    s.saveMany(Array.from({ length: 5000 }, (_, i) => ({ content: `entry u${i}q of the ${i % 3 ? 'ledger book' : 'journal'}`, tags: i % 5 ? 'ops' : 'dev' })));
    s.saveMany(Array.from({ length: 100 }, (_, i) => ({ content: `late entry t${i}q of the ledger book` })));
    // Schema v12: FTS5 beside the segments, with its triggers; no search_deleted, so deletes leave no mark.
    s.database.exec(`
      DROP TRIGGER memories_ad_deleted; DROP TABLE search_deleted;
      CREATE VIRTUAL TABLE memories_fts USING fts5(body, tags, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN DELETE FROM memories_fts WHERE rowid = old.rowid; END;
      DELETE FROM memories WHERE rowid % 17 = 0 AND rowid <= 5000;
      -- A segment written before v12 counted its deletes: none counted.
      UPDATE search_segments SET dead = 0;
      -- The last import's memories after the last segment (found through FTS5 before v13).
      DELETE FROM search_blocks WHERE seg IN (SELECT seg FROM search_segments WHERE lo > 5000);
      DELETE FROM search_segments WHERE lo > 5000;
      UPDATE search_stats SET segmented_upto = 5000;
      PRAGMA user_version = 12;`);
    s.close();
    const lines: string[] = [];
    const migrated = MemoryStore.open(path, { migrationLog: (l) => lines.push(l) });
    assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const names = migrated.database.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").pluck().all() as string[];
    assert.ok(!names.some((n) => /^memories_fts|^memories_a[du]$/.test(n)), names.join(' '));
    for (const t of ['memories_ad_search', 'memories_au_search', 'memories_ad_segments', 'memories_au_segments', 'memories_ad_bytes', 'memories_ad_vector', 'memories_ad_deleted']) assert.ok(names.includes(t), t);
    const deleted = Math.floor(5000 / 17);
    assert.equal(migrated.database.prepare('SELECT count(*) FROM search_deleted').pluck().get(), deleted);
    assert.ok(lines.some((l) => /indexing memories 5001-5100 \(schema v13/.test(l)), lines.join('\n'));
    assert.deepEqual(migrated.database.prepare('SELECT min(lo), max(hi) FROM search_segments').raw(true).get(), [1, 5100]);
    const live = 5100 - deleted;
        assert.equal((await migrated.search({ query: 'entr', prefix: true, limit: 1000 })).hits.length, 1000);
    const count = (sql: string) => migrated.database.prepare(sql).pluck().get() as number;
    // Every live memory found, deleted ones not, the tail too: by a phrase, a prefix and a filter.
    const all = async (params: { query: string; prefix?: boolean; tags?: string }) => {
      let n = 0;
      let cursor: string | undefined;
      do {
        const r = await migrated.search({ ...params, limit: 1000, ...(cursor ? { cursor } : {}) });
        n += r.hits.length;
        cursor = r.nextCursor ?? undefined;
      } while (cursor);
      return n;
    };
    assert.equal(await all({ query: '"ledger book"' }), count("SELECT count(*) FROM memories WHERE content LIKE '%ledger book%'"));
    assert.equal(await all({ query: 'entr', prefix: true }), live);
    assert.equal(await all({ query: 'journal', tags: 'dev' }), count("SELECT count(*) FROM memories WHERE content LIKE '%journal%' AND tags LIKE '%dev%'"));
    // Rowid 17 held u16q.
    assert.equal((await migrated.search({ query: 'u16q' })).hits.length, 0);
    assert.equal((await migrated.search({ query: 'u17q' })).hits.length, 1);
    assert.equal((await migrated.search({ query: 't42q' })).hits.length, 1);
    migrated.close();
  });

  it('ranks from one snapshot: a merge by another connection in the middle of a search loses none of its hits', async () => {
    const path = join(tempDir('search-snapshot'), 'memory.db');
    const a = MemoryStore.open(path);
    a.saveMany(Array.from({ length: 4000 }, (_, i) => ({ content: `entry e${i}q of the ledger` })));
    const b = MemoryStore.open(path);
    const ids = b.database.prepare('SELECT id FROM memories ORDER BY rowid LIMIT 1100').pluck().all() as string[];
    // When the search reads its first list, the other connection deletes over a quarter of the segment and saves:
    // the segment is rewritten under a new id and its blocks deleted.
    const segments = (a as unknown as { searcher: { topK: { segments: { termList: (...args: unknown[]) => unknown } } } }).searcher.topK.segments;
    const termList = segments.termList.bind(segments);
    let written = false;
    segments.termList = (...args: unknown[]) => {
      if (!written) {
        written = true;
        for (const id of ids) b.delete(id);
        void b.save({ content: 'one more ledger entry' });
      }
      return termList(...args);
    };
    const hits = (await a.search({ query: 'ledger', limit: 1000 })).hits;
    assert.ok(written);
    assert.notEqual(b.database.prepare('SELECT min(seg) FROM search_segments').pluck().get(), 1, 'the segment was rewritten');
    // What the search saw is the store as it began: every memory still there.
    assert.equal(hits.length, 1000);
    assert.equal((await a.search({ query: 'e5q' })).hits.length, 0, 'and the next search sees the delete');
    b.close();
    a.close();
  });

  it('keeps the index in step with edits and deletes made through SQL', async () => {
    const s = MemoryStore.open(join(tempDir('search-edits'), 'memory.db'));
    const a = await s.save({ content: 'the invoice service uses compute_invoice_total' });
    await s.save({ content: 'unrelated' });
    s.database.prepare("UPDATE memories SET content = 'now about RetryPolicyFactory' WHERE id = ?").run(a.id);
    assert.equal((await s.search({ query: 'invoice total' })).hits.length, 0);
    assert.equal((await s.search({ query: 'retry policy' })).hits[0]!.id, a.id);
    s.delete(a.id);
    assert.equal((await s.search({ query: 'retry policy' })).hits.length, 0);
    assert.equal((await s.search({ query: 'retr', prefix: true })).hits.length, 0);
    assert.equal((await s.search({ query: '"retry policy"' })).hits.length, 0);
    assert.deepEqual(s.database.prepare('SELECT rowid FROM search_deleted').pluck().all(), [1]);
    s.close();
  });

  it('ranks memories matching more of the query first, then by BM25, ties newest first', async () => {
    const s = MemoryStore.open(join(tempDir('search-coord'), 'memory.db'));
    const both = await s.save({ content: 'redis cache with a very long description '.repeat(8) });
    const cacheOnly = await s.save({ content: 'cache cache cache' });
    const tieOld = await s.save({ content: 'redis note one' });
    const tieNew = await s.save({ content: 'redis note two' });
    const r = await s.search({ query: 'redis cache', limit: 10 });
    assert.equal(r.hits[0]!.id, both.id, 'matches both words, despite a lower BM25 than the short single-word ones');
    const ids = r.hits.map((h) => h.id);
    assert.ok(ids.indexOf(tieNew.id) < ids.indexOf(tieOld.id), 'equal scores: the newer first');
    assert.ok(ids.includes(cacheOnly.id));
    assert.ok(r.hits.every((h, i) => i === 0 || h.score <= r.hits[i - 1]!.score));
    s.close();
  });
});
