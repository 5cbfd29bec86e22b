// The bounded line splitter under JSONL import and the memory server's stdin: chunk boundaries, CRLF, a last line
// without a newline, and an over-long line reduced to its two ends.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decodeUtf8, LineSplitter, OVERSIZED_KEEP_BYTES, type OversizedLine } from '../../../src/helper/memory/lineSplitter';

function split(max: number, chunks: (string | Buffer)[]) {
  const lines: string[] = [];
  const over: OversizedLine[] = [];
  const s = new LineSplitter(max, { line: (b) => lines.push(b.toString('latin1')), oversized: (o) => over.push(o) });
  for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1'));
  s.end();
  return { lines, over };
}

describe('LineSplitter', () => {
  it('joins lines across chunks, strips CR and keeps a last line without a newline', () => {
    assert.deepEqual(split(100, ['ab', 'c\r', '\nde\n\n', 'f']).lines, ['abc', 'de', '', 'f']);
  });

  it('reduces an over-long line to its head and tail and goes on with the next line', () => {
    const long = `{"method":"tools/call"${'x'.repeat(3 * OVERSIZED_KEEP_BYTES)}"id":7}`;
    const { lines, over } = split(1000, [long.slice(0, 500), long.slice(500, 9000), `${long.slice(9000)}\nnext\n`]);
    assert.deepEqual(lines, ['next']);
    assert.equal(over.length, 1);
    assert.equal(over[0]!.bytes, long.length);
    assert.ok(over[0]!.head.toString('latin1').startsWith('{"method":"tools/call"'));
    assert.ok(over[0]!.tail.toString('latin1').endsWith('"id":7}'));
    assert.equal(over[0]!.tail.length, OVERSIZED_KEEP_BYTES);
  });

  it('tells valid UTF-8 from bytes that would need replacement characters', () => {
    assert.equal(decodeUtf8(Buffer.from('café')), 'café');
    assert.equal(decodeUtf8(Buffer.from([0x63, 0xc3, 0x28])), null);
  });
});
