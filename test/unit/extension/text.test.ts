// Unit tests: plain text from helper sentences, Markdown escaping, shortened commands, coarse uptime.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coarseUptime, escapeMarkdown, formatMs, plainText, processLabel, shortenCommand } from '../../../src/extension/present/text';

describe('presentation text', () => {
  it('drops the Markdown backticks the helper puts around names', () => {
    assert.equal(plainText('`leaky` exceeded its limit; odd ` tick'), "leaky exceeded its limit; odd ' tick");
  });
  it('escapes Markdown, HTML and links in user text, on one line', () => {
    const out = escapeMarkdown('[x](http://e) <img> *b* `c`\nnext');
    assert.doesNotMatch(out, /\[x\]\(/);
    assert.doesNotMatch(out, /<img>/);
    assert.doesNotMatch(out, /`/);
    assert.doesNotMatch(out, /\n/);
  });
  it('shortens a multi-line or long command to its first line', () => {
    assert.equal(shortenCommand('bash -c "a\nb"'), 'bash -c "a …');
    assert.equal(shortenCommand('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
    assert.equal(shortenCommand('  node   s.mjs '), 'node s.mjs');
  });
  it('names a process by its executable and first argument', () => {
    assert.equal(processLabel('/usr/bin/node /repo/test/fixtures/leaky.mjs --x'), 'node leaky.mjs');
    assert.equal(processLabel('sleep'), 'sleep');
    assert.equal(processLabel("/usr/bin/node -e const { spawn } = require('x');\nsetInterval()"), 'node -e …');
  });
  it('shows uptime at a minute grain', () => {
    assert.equal(coarseUptime(59_000), '<1m');
    assert.equal(coarseUptime(61_000), '1m');
    assert.equal(coarseUptime(2 * 3600_000 + 5 * 60_000), '2h 5m');
    assert.equal(coarseUptime(-1), '—');
  });
  it('formats durations in ms and s', () => {
    assert.deepEqual([formatMs(250), formatMs(1500), formatMs(12_400)], ['250 ms', '1.5 s', '12 s']);
  });
});
