// Phrases from positions (segments of schema v14) rank exactly as phrases verified from each memory's text (segments
// written before v14, which hold none): the same hits, scores and order for phrases of common words, identifiers'
// parts, repeated words and words on both sides of the body/tags boundary; a v13 store migrates with its segments
// unpositioned and keeps finding the same, and its new segments hold positions.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCHEMA_VERSION } from '../../../src/helper/memory/db';
import { MemoryStore } from '../../../src/helper/memory/store';
import { tempDir } from '../../support/fixtures';

const WORDS = ['staging', 'database', 'password', 'rotates', 'rotate', 'every', 'tuesday', 'the', 'deploy', 'keys', 'getUserById', 'user', 'by', 'id', 'retry', 'retries'];

function memories(n: number): { content: string; tags: string[] }[] {
  let x = 3;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0) % 1_000_003;
  return Array.from({ length: n }, () => ({
    content: Array.from({ length: 4 + (next() % 12) }, () => WORDS[next() % WORDS.length]).join(' '),
    tags: next() % 2 ? [WORDS[next() % WORDS.length]!, WORDS[next() % WORDS.length]!] : [],
  }));
}

const PHRASES = ['"staging database"', '"password rotates every"', '"rotate password"', '"user by id"', '"by id"', '"the the"', '"keys deploy"', '"retry retries"', '"tuesday staging" deploy', '"database password" keys rotate'];

async function ranked(store: MemoryStore, query: string) {
  return (await store.search({ query, limit: 50 })).hits.map((h) => [h.content, h.tags.join(' '), h.score]);
}

describe('phrases from positions', () => {
  it('rank exactly as phrases verified from the text, in segments with and without positions', async () => {
    const path = join(tempDir('search-positions'), 'memory.db');
    const store = MemoryStore.open(path);
    const all = memories(6000);
    // One import batch and many single saves: positioned segments, some of them merged.
    store.saveMany(all.slice(0, 5000));
    for (const m of all.slice(5000, 5200)) await store.save(m);
    // A phrase across the boundary of body and tags must not match: "deploy" ends the body, "keys" starts the tags.
    await store.save({ content: 'unique boundary words deploy', tags: ['keys', 'other'] });
    assert.ok((store.database.prepare('SELECT min(positions) FROM search_segments').pluck().get() as number) === 1, 'every segment holds positions');
    const fromPositions = new Map<string, unknown>();
    for (const q of PHRASES) {
      const hits = await ranked(store, q);
      assert.ok(hits.length > 0, `hits for ${q}`);
      fromPositions.set(q, hits);
    }
    assert.ok(!(await ranked(store, '"boundary words deploy keys"')).length, 'no run across body and tags');
    store.close();
    // The same store with its segments marked as written before v14: phrases verified from the text.
    const plain = MemoryStore.open(path);
    plain.database.exec('UPDATE search_segments SET positions = 0');
    plain.close();
    const fromText = MemoryStore.open(path);
    try {
      for (const q of PHRASES) assert.deepEqual(await ranked(fromText, q), fromPositions.get(q), q);
      assert.ok(!(await ranked(fromText, '"boundary words deploy keys"')).length);
    } finally {
      fromText.close();
    }
  });

  it('migrates a v13 store: its segments keep no positions and find the same, new segments hold them', async () => {
    const path = join(tempDir('search-v13'), 'memory.db');
    const s = MemoryStore.open(path);
    s.saveMany(memories(3000));
    const before = new Map<string, unknown>();
    for (const q of PHRASES) before.set(q, await ranked(s, q));
    s.database.exec('ALTER TABLE search_segments DROP COLUMN positions; PRAGMA user_version = 13;');
    s.close();
    const migrated = MemoryStore.open(path);
    try {
      assert.equal(migrated.database.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(migrated.database.prepare('SELECT max(positions) FROM search_segments').pluck().get(), 0);
      for (const q of PHRASES) assert.deepEqual(await ranked(migrated, q), before.get(q), q);
      await migrated.save({ content: 'staging database rotates', tags: [] });
      assert.equal(migrated.database.prepare('SELECT positions FROM search_segments ORDER BY lo DESC LIMIT 1').pluck().get(), 1);
      assert.ok((await ranked(migrated, '"staging database rotates"')).some((h) => h[0] === 'staging database rotates'));
    } finally {
      migrated.close();
    }
  });
});
