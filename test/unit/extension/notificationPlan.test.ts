// Unit tests: which events notify, with what sentence and buttons; end states always, repeats per server and kind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planNotification, suppressedTail } from '../../../src/extension/present/notificationPlan';
import { RateLimiter } from '../../../src/extension/rateLimiter';
import type { WardenEvent } from '../../../src/shared/protocol';

const MiB = 1024 * 1024;
const ev = (e: Partial<WardenEvent>): WardenEvent => ({ seq: 1, time: 1000, kind: 'state', server: 'leaky', message: '', ...e });

describe('notification plan', () => {
  it('a restart after a crash says which one of how many, and when', () => {
    const p = planNotification(ev({ kind: 'restart', attempt: 2, maxAttempts: 3, backoffMs: 500, message: '`leaky` crashed (exited with code 3); restart 2/3 in 500 ms.' }), undefined)!;
    assert.equal(p.message, 'leaky crashed (exited with code 3): restarting (2 of 3) in 500 ms.');
    assert.equal(p.endState, false);
    assert.equal(p.key, 'leaky:restart');
  });
  it('a restart after a memory cap names the figure and offers Raise Limit', () => {
    const memo = { lastMemoryCap: { rssBytes: 163 * MiB, limitBytes: 160 * MiB, time: 900 } };
    const p = planNotification(ev({ kind: 'restart', attempt: 1, maxAttempts: 3, backoffMs: 250, message: '`leaky` exceeded its memory limit; restart 1/3 in 250 ms.' }), memo)!;
    assert.equal(p.message, 'leaky used 163 MB, over its 160 MB memory limit: restarting (1 of 3) in 250 ms.');
    assert.deepEqual(p.actions, ['Raise Limit', 'Show Logs']);
  });
  it('failed is an end state with the reason and next actions, never rate-limited', () => {
    const p = planNotification(ev({ state: 'failed', message: '`leaky` is failed: `leaky` crashed (exited with code 3) and was restarted 3 times within 60 s (maxRestarts 3); MCP Warden gave up.' }), undefined)!;
    assert.equal(p.endState, true);
    assert.equal(p.severity, 'error');
    assert.equal(p.message, 'leaky crashed (exited with code 3) and was restarted 3 times within 60 s (maxRestarts 3); MCP Warden gave up.');
    assert.deepEqual(p.actions, ['Show Logs', 'Restart', 'Open Config']);
    const memo = { lastMemoryCap: { rssBytes: 1, limitBytes: 2, time: 900 } };
    assert.deepEqual(planNotification(ev({ state: 'failed', message: 'x' }), memo)!.actions, ['Raise and Restart', 'Show Logs']);
  });
  it('a memory cap that stops the server offers Raise and Restart', () => {
    const p = planNotification(ev({ kind: 'cap', code: 'CAP_MEMORY', action: 'kill', rssBytes: 170 * MiB, limitBytes: 160 * MiB, message: 'x' }), undefined)!;
    assert.equal(p.endState, true);
    assert.equal(p.message, 'leaky used 170 MB, over its 160 MB memory limit, and was stopped (memoryAction "kill").');
    assert.equal(p.actions[0], 'Raise and Restart');
  });
  it('processes surviving a stop always notify, with their pids', () => {
    const p = planNotification(ev({ state: 'stopped', survivorPids: [11, 12], message: 'x' }), undefined)!;
    assert.equal(p.endState, true);
    assert.match(p.message, /2 processes of leaky survived SIGKILL after it was stopped \(pids 11, 12\)/);
    assert.deepEqual(p.pids, [11, 12]);
  });
  it('ignores a memory cap that restarts (its restart event notifies) and plain state changes', () => {
    assert.equal(planNotification(ev({ kind: 'cap', code: 'CAP_MEMORY', action: 'restart', rssBytes: 1, limitBytes: 1, message: 'x' }), undefined), null);
    assert.equal(planNotification(ev({ state: 'running', message: 'x' }), undefined), null);
  });
  it("counts suppressed repeats per server, so one server's count never names another", () => {
    const r = new RateLimiter({ perKeyIntervalMs: 60_000, globalMax: 100, globalWindowMs: 60_000 });
    assert.equal(r.allow('a:restart', 0), true);
    assert.equal(r.allow('a:restart', 1), false);
    assert.equal(r.allow('a:restart', 2), false);
    assert.equal(r.allow('b:restart', 3), true);
    assert.equal(r.allow('b:restart', 4), false);
    assert.equal(r.takeSuppressed('a:'), 2);
    assert.equal(r.takeSuppressed('b:'), 1);
    assert.equal(suppressedTail('a', 2), ' (2 similar notifications about a were not shown)');
    assert.equal(suppressedTail('a', 0), '');
  });
});
