// Unit tests: which servers VS Code's agent is offered and where it connects (src/extension/agent/definitions.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentDefinitions, definitionsKey, RUN_BY } from '../../../src/extension/agent/definitions';
import { WardenModel } from '../../../src/extension/model';
import type { HelperEndpoints } from '../../../src/shared/protocol';
import { server, snapshot } from './snapshots';

const unixEndpoints: HelperEndpoints = { unixSocket: '/state dir/engine.sock', http: null, tokenFile: null };

function modelWith(servers: ReturnType<typeof server>[], blocked: string[] = []) {
  const model = new WardenModel(() => 0);
  model.setSnapshot(snapshot(servers));
  model.setConfigReport({ servers: servers.map((s) => ({ name: s.name, source: s.source, origin: s.origin, blocked: blocked.includes(s.name) ? 'untrusted workspace' : null })), problems: [] });
  return model;
}

describe('agentDefinitions', () => {
  it('offers every managed server at /mcp/NAME on the unix socket, labelled as run by MCP Warden', () => {
    const model = modelWith([server('b'), server('a b', { origin: 'user' })]);
    const defs = agentDefinitions({ entries: model.servers(), endpoints: unixEndpoints, workspaceTrusted: true, readToken: () => assert.fail('no token for the socket') });
    assert.deepEqual(defs.map((d) => [d.server, d.label, d.address]), [
      ['a b', `a b (${RUN_BY})`, { kind: 'unix', socketPath: '/state dir/engine.sock', fragment: '/mcp/a%20b' }],
      ['b', `b (${RUN_BY})`, { kind: 'unix', socketPath: '/state dir/engine.sock', fragment: '/mcp/b' }],
    ]);
  });

  it('falls back to 127.0.0.1 with the bearer token in headers, and offers nothing without a readable token', () => {
    const model = modelWith([server('a')]);
    const tcp: HelperEndpoints = { unixSocket: null, http: 'http://127.0.0.1:5000/mcp', tokenFile: '/s/http-token' };
    const defs = agentDefinitions({ entries: model.servers(), endpoints: tcp, workspaceTrusted: true, readToken: (f) => (f === '/s/http-token' ? 'sekrit' : null) });
    assert.deepEqual(defs[0]!.address, { kind: 'http', url: 'http://127.0.0.1:5000/mcp/a', headers: { Authorization: 'Bearer sekrit' } });
    assert.deepEqual(agentDefinitions({ entries: model.servers(), endpoints: tcp, workspaceTrusted: true, readToken: () => null }), []);
  });

  it('never offers servers of an untrusted workspace, nor instances the session layer added', () => {
    const model = modelWith([server('ws'), server('mine', { origin: 'user', source: '/home/u/.config/x.json' }), server('mine~c1', { origin: 'user', instanceOf: 'mine' })], ['ws']);
    const trusted = agentDefinitions({ entries: model.servers(), endpoints: unixEndpoints, workspaceTrusted: true, readToken: () => null });
    assert.deepEqual(trusted.map((d) => d.server), ['mine']);
    // Even if a report said nothing was blocked, an untrusted window offers nothing from the workspace's own files.
    const unblocked = modelWith([server('ws'), server('mine', { origin: 'user' })]);
    const untrusted = agentDefinitions({ entries: unblocked.servers(), endpoints: unixEndpoints, workspaceTrusted: false, readToken: () => null });
    assert.deepEqual(untrusted.map((d) => d.server), ['mine']);
  });

  it('offers the servers the helper answers itself (the memory store) after the configured ones, trusted or not', () => {
    const model = modelWith([server('a')]);
    const endpoints: HelperEndpoints = { ...unixEndpoints, builtins: ['mcp-warden-memory'] };
    const defs = agentDefinitions({ entries: model.servers(), endpoints, workspaceTrusted: false, readToken: () => null });
    assert.deepEqual(defs.map((d) => [d.server, d.address]), [['mcp-warden-memory', { kind: 'unix', socketPath: '/state dir/engine.sock', fragment: '/mcp/mcp-warden-memory' }]]);
  });

  it("never offers another window's servers that the engine's snapshot shows beside this window's own", () => {
    const model = new WardenModel(() => 0);
    model.setSnapshot(snapshot([server('mine', { origin: 'user' }), server('theirs')]));
    model.setConfigReport({ servers: [{ name: 'mine', source: '/u/x.json', origin: 'user', blocked: null }], problems: [] });
    const defs = agentDefinitions({ entries: model.servers(), endpoints: unixEndpoints, workspaceTrusted: true, readToken: () => null });
    assert.deepEqual(defs.map((d) => d.server), ['mine']);
  });

  it('offers nothing while the helper serves no endpoint (an older helper, or one still starting)', () => {
    const model = modelWith([server('a')]);
    assert.deepEqual(agentDefinitions({ entries: model.servers(), endpoints: null, workspaceTrusted: true, readToken: () => null }), []);
    assert.deepEqual(agentDefinitions({ entries: model.servers(), endpoints: { unixSocket: null, http: null, tokenFile: null }, workspaceTrusted: true, readToken: () => null }), []);
  });

  it('keeps the same key while only figures change, and a new one when the launch config or the set changes', () => {
    const at = (servers: ReturnType<typeof server>[]) => definitionsKey(agentDefinitions({ entries: modelWith(servers).servers(), endpoints: unixEndpoints, workspaceTrusted: true, readToken: () => null }));
    const base = at([server('a')]);
    assert.equal(at([server('a', { rssBytes: 1, pid: 7, state: 'stopped' })]), base);
    assert.notEqual(at([server('a', { args: ['other.mjs'] })]), base);
    assert.notEqual(at([server('a'), server('b')]), base);
  });
});
