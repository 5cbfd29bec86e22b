// Unit tests: The extension model: per-server change events, config-only servers, recent caps, disposal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECENT_CAP_MS, WardenModel, type ModelChange } from '../../../src/extension/model';
import { server, snapshot } from './snapshots';

function recorder(model: WardenModel) {
  const changes: ModelChange[] = [];
  model.onDidChange((c) => changes.push(c));
  return changes;
}

describe('WardenModel', () => {
  it('names only the servers whose sample changed, without a structural change', () => {
    const model = new WardenModel(() => 0);
    const changes = recorder(model);
    model.setSnapshot(snapshot([server('a'), server('b')]));
    assert.deepEqual(changes.at(-1), { names: ['a', 'b'], structural: true });
    model.setSnapshot(snapshot([server('a', { rssBytes: 1 }), server('b')], 2000));
    assert.deepEqual(changes.at(-1), { names: ['a'], structural: false });
    const before = changes.length;
    model.setSnapshot(snapshot([server('a', { rssBytes: 1 }), server('b')], 3000));
    assert.equal(changes.length, before, 'an identical sample fires nothing');
  });

  it('reports removed servers as a structural change', () => {
    const model = new WardenModel(() => 0);
    const changes = recorder(model);
    model.setSnapshot(snapshot([server('a'), server('b')]));
    model.setSnapshot(snapshot([server('a')]));
    assert.deepEqual(changes.at(-1), { names: ['b'], structural: true });
    assert.equal(model.get('b'), undefined);
  });

  it('lists configured servers the helper has not sampled, with blocked and skipped reasons', () => {
    const model = new WardenModel(() => 0);
    model.setConfigReport(
      {
        servers: [
          { name: 'ws', source: '/w/.vscode/mcp.json', origin: 'workspace', blocked: 'the workspace is not trusted' },
          { name: 'dup', source: '/w/.vscode/mcp.json', origin: 'workspace', blocked: null },
        ],
        problems: [],
      },
    );
    assert.deepEqual(model.servers().map((e) => [e.name, e.blocked, e.snapshot]), [
      ['dup', null, null],
      ['ws', 'the workspace is not trusted', null],
    ]);
  });

  it('keeps a fired cap on the server for RECENT_CAP_MS, then forgets it', () => {
    let now = 10_000;
    const model = new WardenModel(() => now);
    model.setSnapshot(snapshot([server('chroma')]));
    model.addEvent({ seq: 1, time: now, kind: 'cap', server: 'chroma', message: 'over', action: 'restart' });
    assert.equal(model.get('chroma')?.recentCap?.seq, 1);
    now += RECENT_CAP_MS + 1;
    model.setSnapshot(snapshot([server('chroma')], 5000));
    assert.equal(model.get('chroma')?.recentCap, null);
  });

  it('drops the last snapshot when the helper stops, so no stale numbers are shown', () => {
    const model = new WardenModel(() => 0);
    model.setSnapshot(snapshot([server('a')]));
    model.setHelperStatus({ kind: 'restarting', message: 'x' });
    assert.equal(model.lastSnapshot, null);
    assert.equal(model.servers().length, 0);
  });

  it('releases its listeners on dispose', () => {
    const model = new WardenModel(() => 0);
    let fired = 0;
    model.onDidChange(() => fired++);
    model.dispose();
    model.setSnapshot(snapshot([server('a')]));
    assert.equal(fired, 0);
  });
});

describe('WardenModel trouble and acknowledgement', () => {
  const cap = (seq: number, action: 'kill' | 'restart', time = 0) => ({ seq, time, kind: 'cap' as const, server: 'a', message: 'over', action });
  it('clears a cap that stopped the server once it runs again, keeps one that restarted it', () => {
    const model = new WardenModel(() => 0);
    model.setSnapshot(snapshot([server('a', { state: 'capped' })]));
    model.addEvent(cap(1, 'kill'));
    assert.ok(model.get('a')!.recentCap);
    model.addEvent({ seq: 2, time: 1, kind: 'state', server: 'a', state: 'running', message: '' });
    assert.equal(model.get('a')!.recentCap, null);
    model.addEvent(cap(3, 'restart', 2));
    model.addEvent({ seq: 4, time: 3, kind: 'state', server: 'a', state: 'running', message: '' });
    assert.ok(model.get('a')!.recentCap);
  });
  it('acknowledges a failed server until it runs again or fails anew', () => {
    const model = new WardenModel(() => 0);
    model.setSnapshot(snapshot([server('a', { state: 'failed', stateReason: 'gave up' }), server('b')]));
    model.acknowledge(['a']);
    assert.equal(model.get('a')!.acknowledged, true);
    assert.equal(model.get('b')!.acknowledged, false);
    model.setSnapshot(snapshot([server('a', { state: 'failed', stateReason: 'gave up' }), server('b')], 2000));
    assert.equal(model.get('a')!.acknowledged, true, 'the same trouble stays acknowledged');
    model.setSnapshot(snapshot([server('a', { state: 'running' }), server('b')], 3000));
    assert.equal(model.get('a')!.acknowledged, false);
    model.setSnapshot(snapshot([server('a', { state: 'failed', stateReason: 'gave up again' }), server('b')], 4000));
    assert.equal(model.get('a')!.acknowledged, false, 'a new failure needs a new acknowledgement');
  });
});
