// Reloading a configuration against real servers: what changed is reported, only a changed launch restarts a running
// server, and a crowd of servers over a cap is one line, not one per server.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { isRunning } from '../../support/procfs';
import { createHarness, type Harness } from '../../support/supervisorHarness';

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.close();
});
async function harness(label: string, ...rest: Parameters<typeof createHarness> extends [string, ...infer R] ? R : never) {
  const h = await createHarness(label, ...rest);
  harnesses.push(h);
  return h;
}
const pidOf = (h: Harness, name: string) => h.supervisor.snapshot().servers.find((s) => s.name === name)?.pid ?? null;

describe('configuration reload', () => {
  it('reports added, removed and changed servers, and restarts a running one only when its launch changed', async () => {
    const h = await harness('reload');
    await h.configure({ keep: fixtureServer('tiny'), caps: fixtureServer('tiny'), relaunch: fixtureServer('tiny'), gone: fixtureServer('tiny') });
    for (const n of ['keep', 'caps', 'relaunch', 'gone']) await h.waitState(n, 'running');
    assert.equal(h.events.filter((e) => e.kind === 'config-change').length, 0, 'the first load is not a change');
    const before = Object.fromEntries(['keep', 'caps', 'relaunch', 'gone'].map((n) => [n, pidOf(h, n)!]));
    await h.configure({
      keep: fixtureServer('tiny'),
      caps: fixtureServer('tiny', {}, { memoryLimitMB: 512 }),
      relaunch: fixtureServer('tiny', { NEW_VAR: '1' }),
      fresh: fixtureServer('tiny'),
    });
    await h.waitState('fresh', 'running');
    await h.waitState('relaunch', 'running');
    const changes = h.events.filter((e) => e.kind === 'config-change').map((e) => `${e.server}:${e.change}`).sort();
    assert.deepEqual(changes, ['caps:changed', 'fresh:added', 'gone:removed', 'relaunch:changed']);
    assert.match(h.events.find((e) => e.server === 'caps' && e.kind === 'config-change')!.message, /without a restart/);
    assert.equal(pidOf(h, 'keep'), before.keep, 'an unchanged server keeps running');
    assert.equal(pidOf(h, 'caps'), before.caps, 'a caps change applies without a restart');
    assert.equal(h.supervisor.managed('caps')!.spec.caps.memoryLimitMB, 512);
    assert.notEqual(pidOf(h, 'relaunch'), before.relaunch, 'a changed launch restarts it');
    assert.ok(!isRunning(before.relaunch!) && !isRunning(before.gone!), 'the old processes are gone');
    assert.ok(!h.supervisor.snapshot().servers.some((s) => s.name === 'gone'));
  });

  it('servers over maxServers are refused in one event, not one per server', async () => {
    const h = await harness('reload-max', { maxServers: 1 });
    await h.configure({ one: fixtureServer('tiny'), two: fixtureServer('tiny'), three: fixtureServer('tiny'), four: fixtureServer('tiny') });
    await h.waitState('one', 'running');
    const refusals = h.events.filter((e) => e.code === 'CAP_MAX_SERVERS');
    assert.equal(refusals.length, 1, refusals.map((e) => e.message).join('\n'));
    assert.match(refusals[0]!.message, /Not starting 3 servers \(`two`, `three`, `four`\): 1 are already running \(cap maxServers = 1\)/);
  });

  it('more than 500 configured servers is one problem line', async () => {
    const h = await harness('reload-many');
    const servers: Record<string, unknown> = {};
    for (let i = 0; i < 520; i++) servers[`s${i}`] = { command: 'node', args: ['-e', ''] };
    const report = await h.supervisor.configure({ files: [{ path: writeMany(h, servers), origin: 'cli', trusted: true }], autoStart: false });
    const many = report.problems.filter((p) => /more than 500/.test(p.message));
    assert.equal(many.length, 1);
    assert.match(many[0]!.message, /520 servers are configured, more than 500; the 20 from "s500"/);
    assert.equal(h.supervisor.snapshot().servers.length, 500);
  });
});

function writeMany(h: Harness, servers: Record<string, unknown>): string {
  const path = join(h.stateDir, 'many.json');
  writeFileSync(path, JSON.stringify({ servers }));
  return path;
}
