// Unit tests: How memories read in quick picks, the Memories view and their document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAge, memoryDescription, memoryMarkdown, memoryTitle, parseTags } from '../../../src/extension/memory/present';
import type { MemoryRecord } from '../../../src/shared/protocol';

const m: MemoryRecord = {
  id: 'm1',
  content: 'Use WAL mode\nbecause several helpers share the file',
  category: 'decision',
  tags: ['sqlite', 'wal'],
  importance: 0.7,
  source: 'vscode',
  workspace: 'warden',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  accessedAt: '2026-01-01T00:00:00.000Z',
};
const t0 = Date.parse('2026-01-01T00:00:00.000Z');

describe('memory presentation', () => {
  it('shows score, category and age for a search hit', () => {
    assert.equal(memoryDescription({ ...m, score: 0.834 }, t0 + 2 * 3600_000), 'score 0.83 · decision · 2h ago');
    assert.equal(memoryDescription(m, t0 + 5000), 'decision · 5s ago');
  });
  it('titles a memory by its first line, shortened', () => {
    assert.equal(memoryTitle(m.content), 'Use WAL mode');
    assert.equal(memoryTitle('x'.repeat(100), 10), 'xxxxxxxxx…');
    assert.equal(memoryAge('not a date', 0), '—');
  });
  it('renders the whole memory and its metadata as Markdown', () => {
    const md = memoryMarkdown(m);
    assert.match(md, /^# Use WAL mode\n\nUse WAL mode\nbecause several helpers share the file\n/);
    assert.match(md, /tags: `sqlite`, `wal`/);
  });
  it('parses comma-separated tags', () => {
    assert.deepEqual(parseTags(' a, b ,,a , c '), ['a', 'b', 'c']);
  });
});
