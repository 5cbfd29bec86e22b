// Unit tests: How memories read in quick picks, the Memories view and their document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAge, memoryDescription, memoryDocumentTitle, memoryMarkdown, memoryTitle, parseMemorySource, parseTags, sourceForSelection } from '../../../src/extension/memory/present';
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
  it('renders the memory as written (no repeated heading), then its metadata and where it came from', () => {
    const src = sourceForSelection('file:///ws/README.md', 3, 10);
    assert.equal(src, 'file:///ws/README.md#L3-L10');
    const md = memoryMarkdown({ ...m, source: src }, t0 + 3600_000);
    assert.match(md, /^Use WAL mode\nbecause several helpers share the file\n\n---\n\n/);
    assert.match(md, /Category: decision · Tags: sqlite, wal · Importance: 0\.7/);
    assert.match(md, /Saved 1h ago \(2026-01-01T00:00:00\.000Z\) in workspace warden/);
    assert.match(md, /^Source: README\.md, lines 3–10$/m);
    assert.doesNotMatch(md, /`/);
    assert.match(memoryMarkdown(m), /^Source: vscode$/m);
  });
  it('titles the document by the first line without heading marks or slashes, and parses a source link', () => {
    assert.equal(memoryDocumentTitle({ content: '# A/B notes\nmore' }), 'A∕B notes');
    assert.deepEqual(parseMemorySource('file:///ws/a%20b.md#L7'), { file: 'file:///ws/a%20b.md', startLine: 7, endLine: 7, label: 'a b.md, line 7' });
    assert.equal(parseMemorySource('vscode'), null);
    assert.equal(parseMemorySource('vscode-remote://ssh-remote+box/home/u/notes.md#L2-L4')?.label, 'notes.md, lines 2–4');
  });
  it('parses comma-separated tags', () => {
    assert.deepEqual(parseTags(' a, b ,,a , c '), ['a', 'b', 'c']);
  });
});
