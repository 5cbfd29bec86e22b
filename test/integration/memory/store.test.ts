// The memory store on a real SQLite file: ranking, filters, hostile queries, vectors, eviction, dedupe,
// concurrent writers in two processes, and locked or corrupt files.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WardenError } from '../../../src/shared/errors';
import { MemoryStore } from '../../../src/helper/memory/store';
import { normalize } from '../../../src/helper/memory/vector';
import { repoRoot, tempDir } from '../../support/fixtures';
import { isRunning } from '../../support/processes';

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
    const b = await s.save({ content: 'beta', importance: 0.1 });
    await s.save({ content: 'gamma', importance: 0.5 });
    const d = await s.save({ content: 'delta', importance: 0.5 });
    assert.deepEqual(d.evicted, [b.id]);
    assert.equal(s.stats().count, 3);
    s.close();
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
    try {
      await new Promise((r) => holder.stdout!.once('data', r));
      await assert.rejects(s.save({ content: 'blocked' }), (e: WardenError) => e.code === 'MEMORY_DB_LOCKED' && /locked by another process/.test(e.message));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    assert.equal(isRunning(holder.pid!), false);
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
