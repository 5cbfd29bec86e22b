// Unit tests: Tree descriptions, tooltips, icons, status-bar text and severity, cap notification text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerEntry } from '../../../src/extension/model';
import { capMessage, serverDescription, serverIcon, serverTooltip, statusSummary } from '../../../src/extension/views/present';
import { MiB, server } from './snapshots';

function entry(over: Partial<ServerEntry> = {}): ServerEntry {
  return { name: 'chroma', snapshot: server('chroma'), source: '/ws/.vscode/mcp.json', blocked: null, skippedAutoStart: false, recentCap: null, ...over };
}

const TWO_HOURS = 2 * 3600_000;

describe('tree item description', () => {
  it('reads "412 MB · 3 children · up 2h" for a running server', () => {
    assert.equal(serverDescription(entry(), TWO_HOURS), '412 MB · 3 children · up 2h');
  });
  it('says "1 child" in the singular', () => {
    assert.equal(serverDescription(entry({ snapshot: server('x', { children: 1 }) }), 42_000), '412 MB · 1 child · up 42s');
  });
  it('says why an untrusted workspace server is not started', () => {
    const e = entry({ snapshot: server('x', { state: 'stopped', startedAt: null }), blocked: 'the workspace is not trusted' });
    assert.equal(serverDescription(e, 0), 'not started: the workspace is not trusted');
    assert.equal(serverIcon(e).id, 'workspace-untrusted');
  });
  it('says why a server VS Code also starts was not auto-started', () => {
    const e = entry({ snapshot: server('x', { state: 'stopped', startedAt: null }), skippedAutoStart: true });
    assert.match(serverDescription(e, 0), /not auto-started: VS Code’s own MCP support also starts it/);
  });
  it('shows the state reason of a failed server and an error icon', () => {
    const e = entry({ snapshot: server('x', { state: 'failed', stateReason: 'gave up after 3 restarts in 60s', startedAt: null }) });
    assert.equal(serverDescription(e, 0), 'failed · gave up after 3 restarts in 60s');
    assert.deepEqual(serverIcon(e), { id: 'error', color: 'list.errorForeground' });
  });
  it('shows a warning icon on a running server with a warning', () => {
    const e = entry({ snapshot: server('x', { warnings: [{ code: 'MEMORY_WARN', message: 'at 85% of 1 GB' }] }) });
    assert.equal(serverIcon(e).id, 'warning');
    assert.match(serverDescription(e, 0), /⚠ at 85% of 1 GB/);
  });
});

describe('tree item tooltip', () => {
  it('lists pid, command, RSS per process, restarts, last error and caps', () => {
    const e = entry({ snapshot: server('chroma', { restarts: 2, lastError: 'exited with code 1' }) });
    const md = serverTooltip(e, TWO_HOURS);
    assert.match(md, /PID: 1000/);
    assert.match(md, /`node server\.mjs`/);
    assert.match(md, /\| 1001 \| 12 MB \| `sleep 100` \|/);
    assert.match(md, /Restarts: 2/);
    assert.match(md, /Last error: exited with code 1/);
    assert.match(md, /Caps: memory 1024 MB \(warn at 80%, then restart\)/);
  });
  it('escapes Markdown in server-supplied text', () => {
    const e = entry({ snapshot: server('x', { lastError: '[click](http://evil)' }) });
    assert.doesNotMatch(serverTooltip(e, 0), /\[click\]\(http/);
  });
});

describe('status bar summary', () => {
  const running = { kind: 'running' } as const;
  it('counts running servers and totals their memory', () => {
    const s = statusSummary([entry(), entry({ name: 'b', snapshot: server('b', { rssBytes: 812 * MiB }) })], running, 0);
    assert.equal(s.text, '$(server-process) 2 MCP · 1.2 GB');
    assert.equal(s.severity, 'ok');
    assert.equal(s.troubleCount, 0);
  });
  it('turns to warning when a server is over its warn threshold', () => {
    const s = statusSummary([entry({ snapshot: server('x', { warnings: [{ code: 'MEMORY_WARN', message: 'high' }] }) }), entry({ name: 'b' })], running, 0);
    assert.equal(s.severity, 'warning');
    assert.equal(s.troubleCount, 1);
  });
  it('turns to warning when orphans were reaped', () => {
    assert.equal(statusSummary([entry()], running, 3).severity, 'warning');
  });
  it('turns to error when a cap fired, even after the restart brought the server back', () => {
    const cap = { seq: 1, time: 0, kind: 'cap' as const, server: 'chroma', message: 'capped', action: 'restart' as const };
    const s = statusSummary([entry({ recentCap: cap }), entry({ name: 'b', snapshot: server('b', { warnings: [{ code: 'MEMORY_WARN', message: 'w' }] }) })], running, 0);
    assert.equal(s.severity, 'error');
    assert.equal(s.troubleCount, 2);
  });
  it('turns to error when a server failed', () => {
    assert.equal(statusSummary([entry({ snapshot: server('x', { state: 'failed' }) })], running, 0).severity, 'error');
  });
  it('says the helper failed, with error severity', () => {
    const s = statusSummary([], { kind: 'failed', message: 'no node' }, 0);
    assert.equal(s.severity, 'error');
    assert.match(s.text, /helper failed/);
    assert.equal(s.tooltip, 'no node');
  });
});

describe('cap notification text', () => {
  it('reads "`chroma` exceeded 1 GB (1.3 GB) and was restarted"', () => {
    const msg = capMessage({ seq: 1, time: 0, kind: 'cap', server: 'chroma', code: 'CAP_MEMORY', message: 'x', rssBytes: 1.3 * 1024 * MiB, limitBytes: 1024 * MiB, action: 'restart' });
    assert.equal(msg, '`chroma` exceeded 1 GB (1.3 GB) and was restarted');
  });
  it("uses the helper's sentence for other caps", () => {
    assert.equal(capMessage({ seq: 1, time: 0, kind: 'cap', server: 'f', code: 'CAP_CHILDREN', message: 'f forked 65 children (max 64) and was killed' }), 'f forked 65 children (max 64) and was killed');
  });
});
