// The memory store on a real SQLite file: ranking, filters, hostile queries, vectors, eviction, dedupe,
// concurrent writers in two processes, and locked or corrupt files.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WardenError } from '../../../src/shared/errors';
import { MemoryStore, RECENT_BY_CATEGORY_SQL, RECENT_SQL } from '../../../src/helper/memory/store';
import { normalize } from '../../../src/helper/memory/vector';
import { COMPACT_MIN_STALE } from '../../../src/helper/memory/vectorIndex';
import { SCHEMA_VERSION } from '../../../src/helper/memory/db';
import { repoRoot, tempDir } from '../../support/fixtures';
import { SeenProcesses, killAll } from '../../support/procfs';

/** Puts back the recency index schema v6 replaced, for tests that recreate an older file. */
const V6_UNDONE = 'DROP INDEX memories_recent; DROP INDEX memories_category_recent; CREATE INDEX memories_updated ON memories(updated_at DESC);';

/** Every process this file starts, by pid and start time: a pid reused after ours exited is neither a leak nor killed. */
const started = new SeenProcesses();
after(() => {
  const leaked = started.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes this file started are still running');
});

function fresh(label: string, options = {}) {
  return MemoryStore.open(join(tempDir(label), 'memory.db'), options);
}

describe('memory store', () => {
  it('ranks a short memory with the term twice above a long one with it once', async () => {
    const s = fresh('rank');
    const filler = 'lorem ipsum dolor sit amet '.repeat(40);
    await s.save({ content: `${filler} the cache eviction policy is discussed once here` });
    const best = await s.save({ content: 'cache policy: the cache is bounded' });
    await s.save({ content: 'nothing relevant at all' });
    const r = await s.search({ query: 'cache' });
    assert.equal(r.hits.length, 2);
    assert.equal(r.hits[0]!.id, best.id);
    assert.ok(r.hits[0]!.score > r.hits[1]!.score);
    s.close();
  });

  it('supports prefix and phrase queries and filters by category, tags and time', async () => {
    const s = fresh('filters');
    await s.save({ content: 'Postgres connection pooling decision', category: 'decision', tags: 'db, infra' });
    await s.save({ content: 'pooling of connections in postgres is slow', category: 'fact', tags: ['db'] });
    await s.save({ content: 'unrelated note about frontend', category: 'note' });
    assert.equal((await s.search({ query: 'postg*' })).hits.length, 2);
    assert.equal((await s.search({ query: '"connection pooling"' })).hits.length, 1);
    assert.equal((await s.search({ query: 'postgres', category: 'decision' })).hits.length, 1);
    assert.equal((await s.search({ query: 'postgres', tags: 'infra' })).hits.length, 1);
    assert.equal((await s.search({ query: 'postgres', since: new Date(Date.now() + 60_000).toISOString() })).hits.length, 0);
    const page1 = await s.search({ query: 'postgres', limit: 1 });
    assert.ok(page1.nextCursor);
    const page2 = await s.search({ query: 'postgres', limit: 1, cursor: page1.nextCursor! });
    assert.notEqual(page2.hits[0]!.id, page1.hits[0]!.id);
    s.close();
  });

  it('treats hostile queries as text or rejects them clearly, never with a raw SQLite error', async () => {
    const s = fresh('hostile');
    await s.save({ content: 'drop table memories is a phrase in this note about NEAR and AND' });
    for (const q of ['"', '*', 'NEAR(', "'; DROP TABLE memories; --", 'content:drop', '^drop', 'AND', 'OR OR', 'NOT', '(((', 'drop)', '"unbalanced', 'a*b*']) {
      try {
        const r = await s.search({ query: q });
        assert.ok(Array.isArray(r.hits));
      } catch (err) {
        assert.ok(err instanceof WardenError, `query ${q} threw ${String(err)}`);
        assert.equal(err.code, 'MEMORY_INVALID_ARGUMENT');
        assert.doesNotMatch(err.message, /SQLITE|fts5|syntax/i);
      }
    }
    assert.equal((await s.search({ query: "'; DROP TABLE memories; --" })).hits.length, 1);
    assert.equal(s.stats().count, 1);
    s.close();
  });

  it('rejects bad arguments with sentences', async () => {
    const s = fresh('args');
    await assert.rejects(s.save({ content: '' }), /content is required/);
    await assert.rejects(s.save({ content: 'x', importance: 2 }), /importance must be a number from 0 to 1/);
    await assert.rejects(s.save({ content: 'x', tags: [1] as unknown as string[] }), /tags must be/);
    await assert.rejects(s.search({ query: 'x', limit: -1 }), /limit/);
    assert.throws(() => s.get('nope'), (e: WardenError) => e.code === 'MEMORY_NOT_FOUND');
    s.close();
  });

  it('dedupes identical content and evicts least important, least recently accessed first', async () => {
    let t = 1_000_000;
    const s = fresh('evict', { maxMemories: 3, now: () => (t += 1000) });
    const a = await s.save({ content: 'alpha', importance: 0.9 });
    const dup = await s.save({ content: '  alpha ' });
    assert.equal(dup.id, a.id);
    assert.equal(dup.duplicate, true);
    // Whitespace is normalized before hashing, and the stored hash keeps its v1 form (SHA-256 of the
    // single-spaced text, 16 hex digits) so files written by older versions still dedupe.
    const spaced = await s.save({ content: 'one\ttwo \n three\u00a0four' });
    assert.equal((await s.save({ content: 'one two three four' })).id, spaced.id);
    const storedHash = s.database.prepare('SELECT content_hash FROM memories WHERE id = ?').pluck().get(spaced.id);
    assert.equal(storedHash, createHash('sha256').update('one two three four').digest('hex').slice(0, 16));
    s.delete(spaced.id);
    const b = await s.save({ content: 'beta', importance: 0.1 });
    await s.save({ content: 'gamma', importance: 0.5 });
    const d = await s.save({ content: 'delta', importance: 0.5 });
    assert.deepEqual(d.evicted, [b.id]);
    assert.equal(s.stats().count, 3);
    // A batch that evicts some of its own rows, with a duplicate inside it: the full-text index still matches.
    const batch = s.saveMany(Array.from({ length: 10 }, (_, i) => ({ content: `batch item ${i % 8}`, importance: i / 10 })));
    assert.deepEqual([batch.imported, batch.duplicates, batch.evicted], [8, 2, 8]);
    assert.equal(s.stats().count, 3);
    const batchRows = s.database.prepare("SELECT count(*) FROM memories WHERE content LIKE 'batch%'").pluck().get();
    assert.equal((await s.search({ query: 'batch', limit: 100 })).hits.length, batchRows);
    // The evicted rows' postings stay in the batch's segment: a prefix and a phrase (counted from postings) skip them.
    assert.equal((await s.search({ query: 'bat', prefix: true, limit: 100 })).hits.length, batchRows);
    assert.equal((await s.search({ query: '"batch item"', limit: 100 })).hits.length, batchRows);
    s.close();
  });

  it('writes access times after the read, before an eviction and within a second, not during the read', async () => {
    let t = 3_000_000;
    const path = join(tempDir('bumps'), 'memory.db');
    const s = MemoryStore.open(path, { maxMemories: 2, now: () => (t += 1000) });
    const a = await s.save({ content: 'alpha first saved' });
    const b = await s.save({ content: 'beta second saved' });
    const accessed = (id: string) => s.database.prepare('SELECT accessed_at FROM memories WHERE id = ?').pluck().get(id) as number;
    const before = accessed(a.id);
    assert.equal((await s.search({ query: 'alpha' })).hits[0]!.id, a.id);
    // The search itself wrote nothing: its bump waits.
    assert.equal(accessed(a.id), before);
    // alpha was read after beta was saved, so beta is now the least recently accessed: the save evicts it.
    const c = await s.save({ content: 'gamma third saved' });
    assert.deepEqual(c.evicted, [b.id]);
    assert.ok(accessed(a.id) > before);
    // Without a write, the bump reaches the file on its own (another connection sees it) and the store stays open.
    s.get(c.id);
    const other = MemoryStore.open(path);
    const seen = () => other.database.prepare('SELECT accessed_at FROM memories WHERE id = ?').pluck().get(c.id) as number;
    const saved = seen();
    for (let i = 0; i < 100 && seen() === saved; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(seen() > saved, 'the get bumped the access time within 10 s');
    other.close();
    s.close();
  });

  it('keeps the content-byte total a maxBytes bound checks exact through every write, and evicts to the bound', async () => {
    let t = 2_000_000;
    const s = fresh('bytes', { maxBytes: 4000, now: () => (t += 1000) });
    const exact = () => s.database.prepare('SELECT coalesce(sum(length(CAST(content AS BLOB))), 0) FROM memories').pluck().get() as number;
    const kept = () => s.database.prepare('SELECT content_bytes FROM memory_totals').pluck().get() as number;
    // Multi-byte text: the bound counts UTF-8 bytes, not characters.
    const text = (i: number) => `memory ${i} — café 🚀 ${'x'.repeat(200)}`;
    for (let i = 0; i < 5; i++) await s.save({ content: text(i) });
    assert.equal(kept(), exact());
    await s.save({ content: text(0) }); // a duplicate adds nothing
    assert.equal(kept(), exact());
    const batch = s.saveMany(Array.from({ length: 30 }, (_, i) => ({ content: text(100 + (i % 25)), importance: (i % 10) / 10 })));
    assert.ok(batch.evicted > 0, 'the batch went over the bound');
    assert.equal(kept(), exact());
    assert.ok(exact() <= 4000, `${exact()} bytes kept under a 4000-byte bound`);
    const first = s.recent({ limit: 1 })[0]!;
    s.delete(first.id);
    assert.equal(kept(), exact());
    s.close();
    // A v4 file (no running total) gets one computed when it is opened.
    const path = s.path;
    const old = MemoryStore.open(path);
    old.database.exec(`DROP TRIGGER memories_ad_bytes; DROP TRIGGER memories_au_bytes; DROP TABLE memory_totals;
      ${V6_UNDONE} PRAGMA user_version = 4;`);
    old.close();
    const migrated = MemoryStore.open(path, { maxBytes: 4000 });
    assert.equal(migrated.database.prepare('SELECT content_bytes FROM memory_totals').pluck().get(), migrated.database.prepare('SELECT sum(length(CAST(content AS BLOB))) FROM memories').pluck().get());
    migrated.close();
  });

  it('reads the newest memories, overall and per category, in index order: no sort, no table scan (schema v6)', () => {
    const s = fresh('recent');
    // One batch shares one timestamp, as an import's 20k-record batches do: the tie order is the newest saved first.
    s.saveMany(Array.from({ length: 300 }, (_, i) => ({ content: `older ${i}`, category: i % 3 ? 'note' : 'decision' })));
    s.saveMany(Array.from({ length: 300 }, (_, i) => ({ content: `newer ${i}`, category: i % 100 ? 'note' : 'decision' })));
    const plan = (sql: string, ...args: unknown[]) => s.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args).map((r) => (r as { detail: string }).detail).join('; ');
    assert.match(plan(RECENT_SQL, 10), /^SCAN memories USING INDEX memories_recent$/);
    assert.match(plan(RECENT_BY_CATEGORY_SQL, 'note', 10), /^SEARCH memories USING INDEX memories_category_recent \(category=\?\)$/);
    const expected = (category?: string) =>
      (s.database.prepare(`SELECT id FROM memories ${category ? 'WHERE category = ?' : ''} ORDER BY rowid DESC`).pluck().all(...(category ? [category] : [])) as string[]).slice(0, 5);
    assert.deepEqual(s.recent({ limit: 5 }).map((m) => m.id), expected());
    const newestDecisions = expected('decision');
    assert.deepEqual(s.recent({ limit: 5, category: 'decision' }).map((m) => m.id), newestDecisions);
    assert.equal(s.recent({ limit: 5, category: 'absent' }).length, 0);
    s.close();
    // A v5 file gets v6's indexes when it is opened, and reads in the same order.
    const path = s.path;
    const old = MemoryStore.open(path);
    old.database.exec(`${V6_UNDONE} PRAGMA user_version = 5;`);
    old.close();
    const migrated = MemoryStore.open(path);
    const indexes = migrated.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'memories' AND sql IS NOT NULL ORDER BY name").pluck().all();
    assert.deepEqual(indexes, ['memories_category_recent', 'memories_eviction', 'memories_recent']);
    assert.deepEqual(migrated.recent({ limit: 5, category: 'decision' }).map((m) => m.id), newestDecisions);
    migrated.close();
  });

  it('finds the same top-k by streaming vectors as a brute-force reference', async () => {
    const s = fresh('vector');
    const rnd = (seed: number) => () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const r = rnd(42);
    const vecs: Float32Array[] = [];
    const records = Array.from({ length: 500 }, (_, i) => {
      const v = normalize(Array.from({ length: 32 }, r));
      vecs.push(v);
      return { content: `memory number ${i}`, embedding: Array.from(v) };
    });
    s.saveMany(records);
    const q = normalize(Array.from({ length: 32 }, r));
    const got = s.vectorTopK(q, 10).map((h) => h.rowid);
    const ref = vecs.map((v, i) => ({ i: i + 1, d: v.reduce((acc, x, j) => acc + x * q[j]!, 0) })).sort((a, b) => b.d - a.d).slice(0, 10).map((x) => x.i);
    assert.deepEqual(got, ref);
    const hybrid = await s.search({ query: 'memory', embedding: q, limit: 5 });
    assert.equal(hybrid.mode, 'hybrid');
    s.close();
  });

  it('returns the exact top-10 of 384-dim vectors (int8 scan, exact re-rank) with exact cosines', () => {
    const s = fresh('vector-384');
    let seed = 7;
    const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    const vecs: Float32Array[] = [];
    for (let start = 0; start < 4000; start += 1000) {
      s.saveMany(Array.from({ length: 1000 }, (_, i) => {
        const v = normalize(Array.from({ length: 384 }, r));
        vecs.push(v);
        return { content: `vector memory ${start + i}`, embedding: v };
      }));
    }
    for (let trial = 0; trial < 5; trial++) {
      const q = normalize(Array.from({ length: 384 }, r));
      const ref = vecs.map((v, i) => ({ rowid: i + 1, score: v.reduce((acc, x, j) => acc + x * q[j]!, 0) })).sort((a, b) => b.score - a.score).slice(0, 10);
      const got = s.vectorTopK(q, 10);
      assert.deepEqual(got.map((h) => h.rowid), ref.map((h) => h.rowid));
      got.forEach((h, i) => assert.ok(Math.abs(h.score - ref[i]!.score) < 1e-5));
    }
    s.close();
  });

  it('drops vector entries of deleted memories by compaction, and never returns them', async () => {
    const s = fresh('vector-compact');
    const dim = 16;
    const total = COMPACT_MIN_STALE * 3;
    // A fixed pseudo-random vector per memory (sin-based ones are nearly periodic and tie).
    const one = (i: number) => {
      let seed = i + 1;
      return normalize(Array.from({ length: dim }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647) - 0.5));
    };
    s.saveMany(Array.from({ length: total }, (_, i) => ({ id: `m${i}`, content: `entry ${i}`, embedding: one(i) })));
    const entries = () => s.database.prepare('SELECT total(n) FROM vector_chunks').pluck().get() as number;
    assert.equal(entries(), total);
    // Delete every memory that is an exact match for some query, then ask for it.
    for (let i = 0; i < COMPACT_MIN_STALE; i++) s.delete(`m${i}`);
    assert.ok(entries() < total, `compaction ran (${entries()} entries left)`);
    assert.equal(entries(), total - COMPACT_MIN_STALE);
    const hits = s.vectorTopK(one(5), 5);
    const deleted = new Set(Array.from({ length: COMPACT_MIN_STALE }, (_, i) => i + 1));
    assert.ok(hits.every((h) => !deleted.has(h.rowid)));
    assert.deepEqual(s.vectorTopK(one(COMPACT_MIN_STALE + 1), 1).map((h) => h.rowid), [COMPACT_MIN_STALE + 2]);
    const hybrid = await s.search({ query: 'entry', embedding: one(2), limit: 50 });
    assert.ok(hybrid.hits.every((h) => Number(h.id.slice(1)) >= COMPACT_MIN_STALE));
    s.close();
  });

  it('migrates a v1 database (float32 chunks) to int8 chunks without losing a memory or a vector', async () => {
    const dir = tempDir('migrate-v1');
    const path = join(dir, 'memory.db');
    const s = MemoryStore.open(path);
    const vec = (i: number) => normalize(Array.from({ length: 24 }, (_, j) => Math.cos(i + j * 3)));
    s.saveMany(Array.from({ length: 300 }, (_, i) => ({ content: `old memory ${i}`, embedding: vec(i) })));
    // Put the file back the way v1 left it.
    s.database.exec(`DROP TRIGGER memories_ad_bytes; DROP TRIGGER memories_au_bytes; DROP TABLE memory_totals; ${V6_UNDONE}
      DROP TRIGGER memories_ad_vector; DROP TABLE vector_stale; DROP TABLE vector_chunks;
      CREATE TABLE vector_chunks (id INTEGER PRIMARY KEY, dim INTEGER NOT NULL, n INTEGER NOT NULL, rowids BLOB NOT NULL, vectors BLOB NOT NULL);
      CREATE VIRTUAL TABLE memories_fts USING fts5(content, tags, content='memories', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
      INSERT INTO memories_fts(memories_fts) VALUES ('rebuild');
      CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
      END;
      CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
      END;
      CREATE TRIGGER memories_au AFTER UPDATE OF content, tags ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, content, tags) VALUES ('delete', old.rowid, old.content, old.tags);
        INSERT INTO memories_fts(rowid, content, tags) VALUES (new.rowid, new.content, new.tags);
      END;
      PRAGMA user_version = 1;`);
    s.close();
    const migrated = MemoryStore.open(path);
    assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(migrated.stats().count, 300);
    // Rows are now indexed by the store, not the v1 trigger: once each, and the index matches the table.
    await migrated.save({ content: 'new memory after the migration' });
    migrated.saveMany([{ content: 'another new memory' }, { content: 'and a third new memory' }]);
    assert.equal((await migrated.search({ query: '"new memory"', limit: 100 })).hits.length, 3);
    assert.equal((await migrated.search({ query: 'old', limit: 1000 })).hits.length, 300);
    assert.equal((await migrated.search({ query: 'memo', prefix: true, limit: 1000 })).hits.length, 303);
    // v1's FTS5 table and its triggers are gone (v13): the segments serve every query.
    assert.deepEqual(migrated.database.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'memories_fts%' OR name IN ('memories_ai', 'memories_ad', 'memories_au')").pluck().all(), []);
    assert.deepEqual([...migrated.database.prepare('SELECT min(lo), max(hi) FROM search_segments').raw(true).get() as number[]], [1, 303]);
    assert.equal(migrated.database.prepare('SELECT total(n) FROM vector_chunks').pluck().get(), 300);
    assert.equal(migrated.vectorTopK(vec(42), 1)[0]!.rowid, 43);
    migrated.close();
  });

  it('saves without an embedding and warns when the embedding provider is down', async () => {
    const s = fresh('embed-down', { embedder: { description: 'test endpoint', embed: async () => { throw new Error('connection refused'); } } });
    const r = await s.save({ content: 'still saved' });
    assert.match(r.warning ?? '', /connection refused/);
    assert.equal((await s.search({ query: 'saved' })).hits.length, 1);
    s.close();
  });

  it('loses no writes with two processes writing the same file at once', async () => {
    const dir = tempDir('concurrent');
    const db = join(dir, 'memory.db');
    MemoryStore.open(db).close();
    const script = join(repoRoot, 'out/test/support/memoryWriter.entry.js');
    const run = (tag: string) => new Promise<number>((resolve) => {
      const c = spawn(process.execPath, [script, db, tag, '1000'], { stdio: 'inherit' });
      started.add(c.pid);
      c.on('exit', (code) => resolve(code ?? -1));
    });
    const codes = await Promise.all([run('first'), run('second')]);
    assert.deepEqual(codes, [0, 0]);
    const s = MemoryStore.open(db);
    assert.equal(s.stats().count, 2000);
    s.close();
  });

  it('reports a locked file clearly and keeps the data', async () => {
    const dir = tempDir('locked');
    const db = join(dir, 'memory.db');
    const s = MemoryStore.open(db, { busyTimeoutMs: 200 });
    await s.save({ content: 'kept' });
    const holder = spawn(process.execPath, ['-e', `
      const D = require(${JSON.stringify(join(repoRoot, 'node_modules/better-sqlite3'))});
      const d = new D(process.argv[1]); d.exec('BEGIN EXCLUSIVE'); d.prepare("INSERT INTO memories (id,content,content_hash,category,tags,importance,source,workspace,created_at,updated_at,accessed_at) VALUES ('x','y','z','c','',0.5,'s','',1,1,1)").run();
      console.log('locked'); setTimeout(() => {}, 60000);`, db], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.add(holder.pid);
    try {
      await new Promise((r) => holder.stdout!.once('data', r));
      await assert.rejects(s.save({ content: 'blocked' }), (e: WardenError) => e.code === 'MEMORY_DB_LOCKED' && /locked by another process/.test(e.message));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    assert.equal(started.running(holder.pid!), false);
    assert.equal((await s.search({ query: 'kept' })).hits.length, 1);
    await s.save({ content: 'after the lock' });
    assert.equal(s.stats().count, 2);
    s.close();
  });

  it('refuses a corrupt file with a clear error and leaves it byte for byte', () => {
    const dir = tempDir('corrupt');
    const db = join(dir, 'memory.db');
    const garbage = Buffer.from('this is not a sqlite database at all, just bytes '.repeat(100));
    writeFileSync(db, garbage);
    assert.throws(() => MemoryStore.open(db), (e: WardenError) => e.code === 'MEMORY_DB_CORRUPT' && /left untouched/.test(e.message));
    assert.deepEqual(readFileSync(db), garbage);
  });
});
