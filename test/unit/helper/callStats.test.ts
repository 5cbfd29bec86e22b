// Unit tests: who calls what (src/helper/sessions/callStats.ts): counts, errors, percentiles, clients, and its bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallStats, clientKey, DURATIONS_KEPT, MAX_CLIENTS_PER_SERVER, MAX_SERVERS, MAX_TOOLS_PER_SERVER } from '../../../src/helper/sessions/callStats';

describe('CallStats', () => {
  it('counts calls and errors per server and tool, with p50/p95 and the last error', () => {
    const c = new CallStats();
    for (let i = 1; i <= 100; i++) c.record('fs', i % 10 === 0 ? 'write' : 'read', 'Visual Studio Code', i, null, 1000 + i);
    c.record('fs', 'write', 'claude-code', 5, 'disk full', 2000);
    const u = c.usage('fs', new Map([[clientKey('Visual Studio Code'), 1]]))!;
    assert.equal(u.calls, 101);
    assert.equal(u.errors, 1);
    assert.equal(u.lastError, 'disk full');
    assert.equal(u.lastCallAt, 2000);
    assert.equal(u.p50Ms, 50);
    assert.equal(u.p95Ms, 95);
    assert.deepEqual(u.tools.map((t) => [t.name, t.calls, t.errors, t.lastError]), [['read', 90, 0, null], ['write', 11, 1, 'disk full']]);
    assert.deepEqual(u.clients, [
      { name: 'Visual Studio Code', via: null, window: null, sessions: 1, calls: 100, lastCallAt: 1100 },
      { name: 'claude-code', via: null, window: null, sessions: 0, calls: 1, lastCallAt: 2000 },
    ]);
  });

  it('tells clients apart by way in and by VS Code window: two windows of one product are two clients', () => {
    const c = new CallStats();
    const a = { name: 'code-server', via: 'http', window: 'w-a' };
    const b = { name: 'code-server', via: 'http', window: 'w-b' };
    c.record('fs', 'read', a, 1, null, 1);
    c.record('fs', 'read', a, 1, null, 2);
    c.record('fs', 'read', b, 1, null, 3);
    c.record('fs', 'read', { name: 'claude-code', via: 'connect' }, 1, null, 4);
    const u = c.usage('fs', new Map([[clientKey(b), 1]]))!;
    assert.deepEqual(u.clients.map((x) => [x.name, x.via, x.window, x.sessions, x.calls]), [
      ['code-server', 'http', 'w-a', 0, 2],
      ['code-server', 'http', 'w-b', 1, 1],
      ['claude-code', 'connect', null, 0, 1],
    ]);
  });

  it('shows a connected client before its first call, and nothing for a server nobody used', () => {
    const c = new CallStats();
    assert.equal(c.usage('idle', new Map()), undefined);
    const u = c.usage('fs', new Map([[clientKey({ name: 'cursor', via: 'connect' }), 2]]))!;
    assert.deepEqual(u.clients, [{ name: 'cursor', via: 'connect', window: null, sessions: 2, calls: 0, lastCallAt: null }]);
    assert.equal(u.p50Ms, null);
  });

  it('stays bounded: durations, tools, clients and servers', () => {
    const c = new CallStats();
    for (let i = 0; i < DURATIONS_KEPT * 3; i++) c.record('s', `tool${i}`, `client${i}`, i < DURATIONS_KEPT * 2 ? 1000 : 1, 'x'.repeat(10_000));
    const u = c.usage('s', new Map())!;
    assert.equal(u.calls, DURATIONS_KEPT * 3, 'the count is exact');
    assert.equal(u.p95Ms, 1, 'percentiles are over the latest durations only');
    assert.equal(u.tools.length, MAX_TOOLS_PER_SERVER);
    assert.equal(u.clients.length, MAX_CLIENTS_PER_SERVER);
    assert.ok(u.lastError!.length < 400, 'a long error is cut');
    for (let i = 0; i < MAX_SERVERS + 10; i++) c.record(`server${i}`, 't', 'c', 1, null);
    assert.equal(c.size, MAX_SERVERS);
  });
});
