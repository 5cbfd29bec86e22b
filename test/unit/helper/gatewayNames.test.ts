// The gateway's tool and prompt names: `server__tool`, at most 64 characters of [A-Za-z0-9_-], deterministic, with
// collisions and over-long or odd names resolved by a stable hash — never a crash, never two tools under one name.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { assignNames, MAX_NAME_LENGTH, type Origin } from '../../../src/helper/gateway/names';

const VALID = /^[A-Za-z0-9_-]{1,64}$/;

function names(origins: Origin[]): Record<string, Origin> {
  return Object.fromEntries(assignNames(origins));
}

describe('gateway names', () => {
  it('names tools server__tool when that fits', () => {
    assert.deepEqual(names([{ server: 'git', name: 'status' }, { server: 'fs', name: 'read_file' }]), {
      fs__read_file: { server: 'fs', name: 'read_file' },
      git__status: { server: 'git', name: 'status' },
    });
  });

  it('gives the same names whatever the input order', () => {
    const origins: Origin[] = [];
    for (const server of ['a', 'a__b', 'zz', 'x'.repeat(70)]) for (const name of ['b__c', 'c', 'tool.with.dots', 'y'.repeat(80)]) origins.push({ server, name });
    const forward = [...assignNames(origins)].sort();
    const backward = [...assignNames([...origins].reverse())].sort();
    assert.deepEqual(forward, backward);
  });

  it('cuts an over-long name to 64 characters with a stable hash, and two long names with the same start stay apart', () => {
    const long1 = { server: 'server', name: `${'x'.repeat(70)}1` };
    const long2 = { server: 'server', name: `${'x'.repeat(70)}2` };
    const map = assignNames([long1, long2]);
    assert.equal(map.size, 2);
    for (const [name, origin] of map) {
      assert.ok(name.length <= MAX_NAME_LENGTH, name);
      assert.match(name, VALID);
      assert.ok(name.startsWith('server__xxxx'), name);
      assert.ok(origin === long1 || origin === long2);
    }
    // Stable across calls (and runs: the hash is sha256 of the pair).
    assert.deepEqual([...assignNames([long1])][0]![0], [...assignNames([long2, long1])].find(([, o]) => o === long1)![0]);
  });

  it('replaces characters clients refuse and hashes the result, so `a.b` and `a_b` do not collide', () => {
    const map = names([{ server: 'my server', name: 'do.it' }, { server: 'my_server', name: 'do_it' }]);
    assert.equal(Object.keys(map).length, 2);
    assert.deepEqual(map.my_server__do_it, { server: 'my_server', name: 'do_it' }, 'the exact name keeps its plain form');
    const other = Object.keys(map).find((n) => n !== 'my_server__do_it')!;
    assert.match(other, /^my_server__do_it_[0-9a-f]{8}$/);
  });

  it('resolves `a__b` + `c` against `a` + `b__c` (both exactly a__b__c): the first server in sort order keeps it', () => {
    const map = names([{ server: 'a__b', name: 'c' }, { server: 'a', name: 'b__c' }]);
    assert.deepEqual(map.a__b__c, { server: 'a', name: 'b__c' });
    const other = Object.keys(map).find((n) => n !== 'a__b__c')!;
    assert.match(other, /^a__b__c_[0-9a-f]{8}$/);
    assert.deepEqual(map[other], { server: 'a__b', name: 'c' });
  });

  it('survives hostile input: empty, unicode, huge and duplicate names, thousands of them', () => {
    const origins: Origin[] = [{ server: '', name: '' }, { server: 'ü', name: '🙂' }, { server: 's', name: 'x'.repeat(100_000) }, { server: 's', name: 'dup' }, { server: 's', name: 'dup' }];
    for (let i = 0; i < 5000; i++) origins.push({ server: 'many', name: `t${'x'.repeat(60)}${i}` });
    const map = assignNames(origins);
    assert.equal(map.size, origins.length - 1, 'one name per distinct pair');
    for (const name of map.keys()) assert.match(name, VALID);
  });
});
