// Unit tests: The notification rate limiter (per server and global).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../src/extension/rateLimiter';

describe('notification rate limiter', () => {
  it('allows one notification per server per interval', () => {
    const r = new RateLimiter({ perKeyIntervalMs: 60_000, globalMax: 100, globalWindowMs: 60_000 });
    assert.equal(r.allow('chroma', 0), true);
    assert.equal(r.allow('chroma', 59_999), false);
    assert.equal(r.allow('other', 1), true);
    assert.equal(r.allow('chroma', 60_000), true);
  });
  it('caps the total across servers in a window, so a crash loop of many servers cannot flood', () => {
    const r = new RateLimiter({ perKeyIntervalMs: 0, globalMax: 5, globalWindowMs: 60_000 });
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (r.allow(`s${i}`, i)) allowed++;
    assert.equal(allowed, 5);
    assert.equal(r.takeSuppressed(), 95);
    assert.equal(r.takeSuppressed(), 0);
    assert.equal(r.allow('late', 60_000 + 5), true, 'the window slides');
  });
  it('remembers a bounded number of keys', () => {
    const r = new RateLimiter({ perKeyIntervalMs: 1_000_000, globalMax: 1_000_000, globalWindowMs: 1, maxKeys: 3 });
    for (const k of ['a', 'b', 'c', 'd']) r.allow(k, 0);
    // 'a' was evicted, so it is allowed again; 'd' is still remembered.
    assert.equal(r.allow('a', 10), true);
    assert.equal(r.allow('d', 10), false);
  });
});
