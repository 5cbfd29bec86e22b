// Unit tests: one structured log line per helper event, with its level and figures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventLogLine } from '../../../src/extension/present/eventLog';
import type { WardenEvent } from '../../../src/shared/protocol';

const MiB = 1024 * 1024;
const ev = (e: Partial<WardenEvent>): WardenEvent => ({ seq: 1, time: 0, kind: 'state', server: 'leaky', message: '', ...e });

describe('event log lines', () => {
  it('logs a start and the handshake with pid, duration and tool count', () => {
    assert.deepEqual(eventLogLine(ev({ state: 'starting', message: '`leaky` is starting: spawning' })), { level: 'info', server: 'leaky', text: 'starting (spawning)' });
    assert.equal(eventLogLine(ev({ state: 'running', pid: 42, handshakeMs: 412, toolCount: 3, message: '`leaky` is running: handshake complete, 3 tools' }))!.text, 'running: pid 42, handshake in 412 ms, 3 tools');
  });
  it('logs a memory cap with the figure and the limit', () => {
    const l = eventLogLine(ev({ kind: 'cap', code: 'CAP_MEMORY', action: 'restart', rssBytes: 163 * MiB, limitBytes: 160 * MiB, message: 'x' }))!;
    assert.equal(l.level, 'error');
    assert.equal(l.text, 'memory cap: 163 MB over the 160 MB limit; restarting');
  });
  it('logs restart n/N with its backoff, and the give-up', () => {
    const r = eventLogLine(ev({ kind: 'restart', attempt: 2, maxAttempts: 3, backoffMs: 500, message: '`leaky` crashed (exited with code 3); restart 2/3 in 500 ms.' }))!;
    assert.equal(r.text, 'restart 2/3 in 500 ms (backoff): leaky crashed (exited with code 3)');
    const g = eventLogLine(ev({ kind: 'cap', action: 'give-up', attempt: 3, maxAttempts: 3, message: '`leaky` crashed and was restarted 3 times; MCP Warden gave up.' }))!;
    assert.equal(g.level, 'error');
    assert.equal(g.text, 'gave up after 3/3 restarts; it stays failed until it is started again');
  });
  it('logs a stop with its duration, uptime and survivors', () => {
    const ok = eventLogLine(ev({ state: 'stopped', stopMs: 39, uptimeMs: 123_000, survivorPids: [], message: '`leaky` is stopped: stopped on request' }))!;
    assert.deepEqual([ok.level, ok.text], ['info', 'stopped: stopped on request (stop took 39 ms, ran 2m 3s, no survivors)']);
    const bad = eventLogLine(ev({ state: 'stopped', stopMs: 3100, survivorPids: [7, 8], message: '`leaky` is stopped: stopped on request' }))!;
    assert.equal(bad.level, 'error');
    assert.match(bad.text, /2 processes survived SIGKILL \(7, 8\)/);
  });
  it('logs warnings with the figure, and never a raw backtick', () => {
    const l = eventLogLine(ev({ kind: 'warning', code: 'MEMORY_WARN', rssBytes: 130 * MiB, limitBytes: 160 * MiB, message: '`leaky` at 81%' }))!;
    assert.equal(l.text, 'warning: leaky at 81% (130 MB of a 160 MB limit)');
  });
});
