// The lazy-start cache: 0600 files in a 0700 directory, at most MAX_ENTRIES of them and MAX_ENTRY_BYTES each, a
// symlink planted in place of an entry is never followed, and an unreadable entry is ignored, not a crash.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ListCache, MAX_ENTRIES, MAX_ENTRY_BYTES, type CacheEntry } from '../../../src/helper/lazy/listCache';
import { tempDir } from '../../support/fixtures';

const entry = (server: string, extra = ''): CacheEntry => ({ server, savedAt: 1, initialize: { serverInfo: { name: server } }, lists: { tools: { tools: [{ name: `t${extra}` }] } } });
const hash = (i: number) => i.toString(16).padStart(16, '0');

describe('lazy-start cache', () => {
  it('writes 0600 files in a 0700 directory and reads them back in a new process (a fresh cache object)', () => {
    const state = tempDir('lazy-cache-unit');
    new ListCache(state, () => undefined).set(hash(1), entry('a'));
    assert.equal(statSync(join(state, 'lazy')).mode & 0o777, 0o700);
    assert.equal(statSync(join(state, 'lazy', `${hash(1)}.json`)).mode & 0o777, 0o600);
    assert.deepEqual(new ListCache(state, () => undefined).get(hash(1))?.lists, entry('a').lists);
  });

  it(`keeps at most ${MAX_ENTRIES} entries and refuses one over ${MAX_ENTRY_BYTES} bytes`, () => {
    const state = tempDir('lazy-cache-bounds');
    const cache = new ListCache(state, () => undefined);
    for (let i = 0; i < MAX_ENTRIES + 15; i++) cache.set(hash(i), entry(`s${i}`));
    assert.equal(readdirSync(join(state, 'lazy')).filter((f) => f.endsWith('.json')).length, MAX_ENTRIES);
    const lines: string[] = [];
    const big = new ListCache(state, (l) => lines.push(l));
    assert.equal(big.set(hash(999_999), entry('big', 'x'.repeat(MAX_ENTRY_BYTES))), false);
    assert.equal(big.get(hash(999_999)), undefined);
    assert.match(lines.join('\n'), /more than 4194304; not cached/);
  });

  it('never follows a symlink planted as an entry, and ignores garbage', () => {
    const state = tempDir('lazy-cache-symlink');
    const cache = new ListCache(state, () => undefined);
    cache.set(hash(1), entry('a'));
    const target = join(tempDir('lazy-cache-target'), 'victim');
    writeFileSync(target, 'keep me');
    const path = join(state, 'lazy', `${hash(2)}.json`);
    symlinkSync(target, path);
    assert.equal(new ListCache(state, () => undefined).get(hash(2)), undefined, 'a symlink is not read');
    cache.set(hash(2), entry('b'));
    assert.equal(readFileSync(target, 'utf8'), 'keep me', 'the write replaced the link, not its target');
    unlinkSync(path);
    writeFileSync(path, '{not json', { mode: 0o600 });
    assert.equal(new ListCache(state, () => undefined).get(hash(2)), undefined);
    assert.equal(cache.set('../escape', entry('c')), false, 'a name that is not a hash never becomes a path');
  });
});
