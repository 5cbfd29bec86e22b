// The figures the supervisor's events carry for the extension's logs and notifications: the handshake's pid, time and
// tool count; restart n/N with its backoff; the give-up's restart count; a stop's duration, uptime and survivors; and
// killing one process of a server's tree by pid (never a pid outside it).
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { isRunning, waitFor } from '../../support/procfs';
import { createHarness, type Harness } from '../../support/supervisorHarness';

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});

describe('supervisor events for the extension', () => {
  it('reports the handshake with pid, time and tool count, and a stop with its duration, uptime and no survivors', async () => {
    const h = await createHarness('events-stop');
    harnesses.push(h);
    await h.configure({ good: fixtureServer('well-behaved') });
    const running = await h.waitEvent((e) => e.kind === 'state' && e.server === 'good' && e.state === 'running', 'running');
    assert.equal(running.toolCount, 3);
    assert.equal(typeof running.pid, 'number');
    assert.ok(running.handshakeMs! >= 0 && running.handshakeMs! < 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await h.supervisor.stop('good');
    const stopped = await h.waitEvent((e) => e.kind === 'state' && e.server === 'good' && e.state === 'stopped', 'stopped');
    assert.deepEqual(stopped.survivorPids, []);
    assert.ok(stopped.stopMs! >= 0 && stopped.stopMs! < 10_000);
    assert.ok(stopped.uptimeMs! >= 300, `uptime ${stopped.uptimeMs}`);
  });

  it('numbers each restart n/N with its backoff, then gives up with the count', async () => {
    const h = await createHarness('events-restart');
    harnesses.push(h);
    await h.configure({ crashy: fixtureServer('crash-after-handshake', { CRASH_AFTER_MS: '100' }, { maxRestarts: 2, restartWindowSec: 120 }) });
    const giveUp = await h.waitEvent((e) => e.kind === 'cap' && e.action === 'give-up', 'give-up', 30_000);
    const restarts = h.events.filter((e) => e.kind === 'restart' && e.server === 'crashy');
    assert.deepEqual(restarts.map((e) => [e.attempt, e.maxAttempts, e.backoffMs]), [[1, 2, 250], [2, 2, 500]]);
    assert.match(restarts[0]!.message, /restart 1\/2 in 250 ms/);
    assert.deepEqual([giveUp.attempt, giveUp.maxAttempts], [2, 2]);
    const crashed = h.events.filter((e) => e.kind === 'state' && e.server === 'crashy' && e.state === 'crashed');
    assert.equal(crashed.length, 3);
    assert.ok(crashed.every((e) => Array.isArray(e.survivorPids)));
  });

  it('kills one process of a server by pid, and refuses a pid outside its tree', async () => {
    const h = await createHarness('events-kill');
    harnesses.push(h);
    await h.configure({ tree: fixtureServer('well-behaved', { CHILDREN: '2' }) });
    await h.waitState('tree', 'running');
    await waitFor('2 children sampled', () => h.supervisor.snapshot().servers[0]!.children === 2);
    const snap = h.supervisor.snapshot().servers[0]!;
    const child = snap.processes.find((p) => p.pid !== snap.pid)!;
    const r = await h.supervisor.killProcess('tree', child.pid);
    assert.equal(r.killed, true);
    await waitFor('the child to exit', () => !isRunning(child.pid), 10_000);
    assert.ok(isRunning(snap.pid!), 'the server itself still runs');
    await assert.rejects(h.supervisor.killProcess('tree', process.pid), /not part of/);
    await h.supervisor.stop('tree');
  });
});
