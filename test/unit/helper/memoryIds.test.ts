// Memory ids: 12 hex digits of the millisecond, then 8 random hex digits, so ids sort by time.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { newId } from '../../../src/helper/memory/store';

describe('memory ids', () => {
  it('start with the millisecond they are given, also when it changes back and forth', () => {
    for (const ms of [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_000, 0, 2 ** 47]) {
      const id = newId(ms);
      assert.match(id, /^[0-9a-f]{20}$/);
      assert.equal(id.slice(0, 12), ms.toString(16).padStart(12, '0'));
    }
  });

  it('differ within one millisecond and sort by time across them', () => {
    const same = Array.from({ length: 100 }, () => newId(1_000));
    assert.equal(new Set(same).size, 100);
    assert.ok(newId(1_000) < newId(1_001));
  });
});
