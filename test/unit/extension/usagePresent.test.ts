// Unit tests: who calls what in the Servers view: the server row's call count, p50 and clients (this window, another
// window, claude-code via connect), its tooltip's clients, a tool row's count and last error, the status-bar sum.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerEntry } from '../../../src/extension/model';
import { callsSummary, serverDescription, serverTooltip, statusSummary } from '../../../src/extension/views/present';
import { toolRow } from '../../../src/extension/views/treePresent';
import type { ServerUsage } from '../../../src/shared/protocol';
import { server } from './snapshots';

const usage: ServerUsage = {
  clients: [
    { name: 'Visual Studio Code', via: 'http', window: 'w-1', sessions: 1, calls: 11, lastCallAt: 9000 },
    { name: 'claude-code', via: 'connect', window: null, sessions: 0, calls: 1, lastCallAt: 5000 },
  ],
  calls: 12,
  errors: 1,
  p50Ms: 3.14,
  p95Ms: 42,
  lastCallAt: 9000,
  lastError: 'disk full',
  tools: [{ name: 'echo', calls: 12, errors: 1, lastError: 'disk full', lastCallAt: 9000 }],
};

function entry(over: Partial<ServerEntry['snapshot']> = {}): ServerEntry {
  return { name: 'fs', snapshot: server('fs', { startedAt: 0, ...over }), source: '/ws/.vscode/mcp.json', blocked: null, recentCap: null } as unknown as ServerEntry;
}

describe('who calls what in the Servers view', () => {
  it('a called server\'s row shows its calls, p50 and errors; an uncalled one shows none', () => {
    assert.equal(callsSummary(usage), '12 calls · p50 3.1 ms · 1 error');
    assert.match(serverDescription(entry({ usage }), 60_000, undefined, 'w-1'), / · 12 calls · p50 3\.1 ms · 1 error · this window, claude-code via connect$/);
    assert.doesNotMatch(serverDescription(entry(), 60_000), /call/);
    assert.equal(callsSummary({ ...usage, calls: 0, p50Ms: null }), '', 'connected but never called: nothing on the row');
  });

  it("the row names this window and another window apart, by the window id Warden's provider sends", () => {
    assert.match(serverDescription(entry({ usage }), 60_000, undefined, 'w-2'), / · another window, claude-code via connect$/);
    const four = { ...usage, clients: [...usage.clients, { name: 'cursor', via: 'gateway', window: null, sessions: 1, calls: 0, lastCallAt: null }, { name: 'x', via: 'http', window: 'w-3', sessions: 1, calls: 0, lastCallAt: null }] };
    assert.match(serverDescription(entry({ usage: four }), 60_000, undefined, 'w-1'), / · this window, claude-code via connect, cursor via gateway \+1$/);
    const idle = { ...usage, calls: 0, p50Ms: null, clients: [{ name: 'x', via: 'connect', window: null, sessions: 0, calls: 0, lastCallAt: null }] };
    assert.doesNotMatch(serverDescription(entry({ usage: idle }), 60_000), /via/, 'a client gone without calling is not on the row');
  });

  it('the tooltip names the clients, with sessions and calls, and the latency and last error', () => {
    const tip = serverTooltip(entry({ usage }), 10_000, 'w-1');
    assert.match(tip, /Clients: this window — Visual Studio Code \(1 session, 11 calls\) · claude\\-code via connect \(gone, 1 call\)/);
    assert.match(tip, /Calls: 12 · errors 1 · p50 3\.1 ms · p95 42 ms · last <1m ago/);
    assert.match(tip, /Last call error: disk full/);
  });

  it('a tool row shows its own count and last error', () => {
    const row = toolRow('fs', { name: 'echo', description: 'Echoes text back.' }, false, usage.tools[0]);
    assert.equal(row.description, '12 calls · 1 error · last error: disk full · Echoes text back.');
    assert.match(row.tooltip, /Called 12 calls · 1 error through MCP Warden; last error: disk full/);
    assert.equal(toolRow('fs', { name: 'echo', description: 'Echoes text back.' }, false).description, 'Echoes text back.');
  });

  it('the status-bar tooltip sums the calls and names the clients connected now', () => {
    const other = { ...entry({ usage: { ...usage, calls: 3, errors: 0, clients: [{ name: 'cursor', via: 'connect', window: null, sessions: 2, calls: 3, lastCallAt: 1 }] } }), name: 'git' } as ServerEntry;
    const tip = statusSummary([entry({ usage }), other, entry()], { kind: 'running' }, 0, 'w-1').tooltip;
    assert.match(tip, /15 tool calls through Warden \(1 error\) · clients now: this window, cursor via connect/);
    assert.doesNotMatch(statusSummary([entry()], { kind: 'running' }, 0).tooltip, /through Warden/);
  });
});
