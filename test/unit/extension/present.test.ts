// Unit tests: Tree descriptions, tooltips, icons, status-bar text and severity, cap notification text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerEntry } from '../../../src/extension/model';
import { serverDescription, serverIcon, serverTooltip, statusSummary, steadyBytes } from '../../../src/extension/views/present';
import { MiB, server } from './snapshots';

function entry(over: Partial<ServerEntry> = {}): ServerEntry {
  return { name: 'chroma', snapshot: server('chroma'), source: '/ws/.vscode/mcp.json', origin: 'workspace', blocked: null, configured: true, recentCap: null, acknowledged: false, ...over };
}

const TWO_HOURS = 2 * 3600_000;

describe('tree item description', () => {
  it('reads "412 MB · 3 children · up 2h" for a running server', () => {
    assert.equal(serverDescription(entry(), TWO_HOURS), '412 MB · 3 children · up 2h');
  });
  it('says "1 child" in the singular, and uptime at a coarse grain', () => {
    assert.equal(serverDescription(entry({ snapshot: server('x', { children: 1 }) }), 42_000), '412 MB · 1 child · up <1m');
    assert.equal(serverDescription(entry(), 5 * 60_000 + 59_000), '412 MB · 3 children · up 5m');
  });
  it('shows the steadied memory figure it is given', () => {
    assert.match(serverDescription(entry(), 0, 400 * MiB), /^400 MB/);
  });
  it('shows a reason without Markdown backticks', () => {
    const e = entry({ snapshot: server('x', { state: 'crashed', stateReason: '`x` exited with code 3', startedAt: null }) });
    assert.equal(serverDescription(e, 0), 'crashed · x exited with code 3');
  });
  it('says why an untrusted workspace server is not started', () => {
    const e = entry({ snapshot: server('x', { state: 'stopped', startedAt: null }), blocked: 'the workspace is not trusted' });
    assert.equal(serverDescription(e, 0), 'not started: the workspace is not trusted');
    assert.equal(serverIcon(e).id, 'workspace-untrusted');
  });
  it('never says a server is held back because VS Code also starts it (Warden no longer reads mcp.json to run it)', () => {
    const e = entry({ snapshot: server('x', { state: 'stopped', startedAt: null }) });
    assert.equal(serverDescription(e, 0), 'stopped');
    assert.doesNotMatch(serverTooltip(e, 0), /Not started automatically|also starts/);
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
    assert.match(md, /PID 1000 · 412 MB/);
    assert.match(md, /Command: node server\\\.mjs/);
    assert.match(md, /\| ↳ 1001 \| 12 MB \| sleep 100 \|/);
    assert.match(md, /Restarts: 2/);
    assert.match(md, /Last error: exited with code 1/);
    assert.match(md, /Limits: memory 1024 MB \(warn at 80 %, then restart\)/);
    assert.doesNotMatch(md, /`/, 'no raw backticks');
  });
  it('shortens a multi-line command and keeps the table one row per process', () => {
    const e = entry({ snapshot: server('x', { command: 'bash', args: ['-c', 'line one\nline two'], processes: [{ pid: 5, ppid: 1, command: 'bash -c line one\nline two', rssBytes: MiB }] }) });
    const md = serverTooltip(e, 0);
    assert.match(md, /Command: bash \\-c line one …/);
    assert.match(md, /\| 5 \| 1 MB \| bash \\-c … \|/);
    assert.doesNotMatch(md, /line two/);
  });
  it('escapes Markdown in server-supplied text', () => {
    const e = entry({ snapshot: server('x', { lastError: '[click](http://evil)' }) });
    assert.doesNotMatch(serverTooltip(e, 0), /\[click\]\(http/);
  });
});

describe('status bar summary', () => {
  const running = { kind: 'running' } as const;
  it('counts running servers and totals their memory', () => {
    const s = statusSummary([entry(), entry({ name: 'b', snapshot: server('b', { rssBytes: 812 * MiB, memoryBytes: 812 * MiB }) })], running, 0);
    assert.equal(s.text, '$(server-process) 2/2 running · 1.2 GB');
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
  it('turns to error when a server failed, and lists it with command links', () => {
    const s = statusSummary([entry({ snapshot: server('x', { state: 'failed', stateReason: '`x` gave up' }) }), entry({ name: 'b', snapshot: server('b', { state: 'stopped' }) })], running, 0);
    assert.equal(s.severity, 'error');
    assert.equal(s.text, '$(server-process) 0/2 running · 824 MB');
    assert.match(s.tooltip, /\*\*chroma\*\* — x gave up/);
    assert.match(s.tooltip, /\[Show Logs\]\(command:mcpWarden\.showLogs\?%5B%22chroma%22%5D\)/);
    assert.match(s.tooltip, /\[Acknowledge\]\(command:mcpWarden\.acknowledgeProblems/);
    for (const m of s.tooltip.matchAll(/command:([\w.]+)/g)) assert.ok(s.commands.includes(m[1]!), m[1]);
  });
  it('stops counting acknowledged trouble', () => {
    const s = statusSummary([entry({ snapshot: server('x', { state: 'failed' }), acknowledged: true })], running, 0);
    assert.equal(s.severity, 'ok');
    assert.equal(s.troubleCount, 0);
  });
  it('says no servers are configured rather than "0"', () => {
    assert.equal(statusSummary([], running, 0).text, '$(server-process) no MCP servers');
  });
  it('says the helper failed, with error severity', () => {
    const s = statusSummary([], { kind: 'failed', message: 'no node' }, 0);
    assert.equal(s.severity, 'error');
    assert.match(s.text, /helper failed/);
    assert.equal(s.tooltip, 'no node');
  });
});

describe('steady memory figures', () => {
  it('keeps the shown value within 3 % (or 1 MB), and follows a real change', () => {
    assert.equal(steadyBytes(undefined, 100 * MiB), 100 * MiB);
    assert.equal(steadyBytes(100 * MiB, 102 * MiB), 100 * MiB);
    assert.equal(steadyBytes(100 * MiB, 104 * MiB), 104 * MiB);
    assert.equal(steadyBytes(10 * MiB, 10.5 * MiB), 10 * MiB);
  });
});
