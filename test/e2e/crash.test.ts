// End to end: when the extension host dies abruptly (kill -9), the engine sees its window's connection close and
// stops every server only that window used, by itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CodeServerSession, fixtureServer } from './support/codeServer';
import { isAlive, pollUntil } from '../support/procfs';
import { showServersView, waitForRow } from './support/workbench';

let s: CodeServerSession;

before(async () => {
  s = await CodeServerSession.start({
    label: 'crash',
    servers: (run) => ({
      'well-behaved': fixtureServer(run, 'well-behaved', 'well-behaved.mjs', { CHILDREN: '2' }),
      grandchildren: fixtureServer(run, 'grandchildren', 'grandchildren.mjs'),
    }),
  });
  await s.openWorkbench();
  await showServersView(s.page);
});

after(async () => {
  if (s) await s.dispose();
});

test('kill -9 of the engine: the window starts a new one, which reaps the old one\'s trees, and its servers run again', async () => {
  await waitForRow(s.page, 'grandchildren', (l) => /, running, .*\b4 children\b/.test(l), 60_000, 'grandchildren running with its 4 descendants');
  await waitForRow(s.page, 'well-behaved', (l) => /, running, .*\b2 children\b/.test(l), 30_000, 'well-behaved running with 2 children');
  const old = await s.waitForEngine();
  const fixtures = s.fixtureProcs();
  assert.ok(fixtures.length >= 4, `expected the fixture servers and their children alive, found ${fixtures.length}`);
  process.kill(old.pid, 'SIGKILL');
  // The window notices its connection closed, starts `mcp-warden daemon` again and attaches; the new engine reaps
  // the dead one's process trees from its registry before starting anything.
  const next = await pollUntil(() => {
    const e = s.engine();
    return e && e.pid !== old.pid ? e : null;
  }, 60_000, 100);
  assert.ok(next, 'no new engine took the state dir after kill -9 of the old one');
  const reaped = await pollUntil(() => fixtures.every((p) => !isAlive(p)), 20_000, 100);
  assert.ok(reaped, `the dead engine's servers survived: ${fixtures.filter(isAlive).map((p) => `${p.pid} ${p.cmdline.slice(0, 80)}`).join('; ')}`);
  await waitForRow(s.page, 'well-behaved', (l) => /, running, .*\b2 children\b/.test(l), 60_000, 'well-behaved running again under the new engine');
  const root = s.fixtureRoot('well-behaved');
  assert.equal(root?.ppid, next.pid, 'well-behaved is not the new engine\'s child');
});

test('kill -9 of the extension host leaves zero fixture processes within a few seconds', async () => {
  await waitForRow(s.page, 'well-behaved', (l) => /, running, .*\b2 children\b/.test(l), 60_000, 'well-behaved running with 2 children');
  // All 4 descendants counted means a sample has seen them: a child that calls setsid is only known to the engine
  // from a sample, so a kill before that sample would test the sampling interval, not the cleanup.
  await waitForRow(s.page, 'grandchildren', (l) => /, running, .*\b4 children\b/.test(l), 30_000, 'grandchildren running with its 4 descendants');
  const host = s.extensionHost();
  assert.ok(host, `no extension host under code-server: ${JSON.stringify(s.tree().map((p) => p.cmdline.slice(0, 100)))}`);
  const fixtures = s.fixtureProcs();
  assert.ok(fixtures.length >= 4, `expected the fixture servers and their children alive, found ${fixtures.length}`);
  // The per-user engine the window attached to (the pid in the state dir's engine.lock).
  const engine = await s.waitForEngine();
  const registry = s.registryPids();
  // The engine keeps its registry under mcpWarden.stateDir: that the setting reached it is part of what is checked.
  assert.ok(registry.length >= 2, `no server pids in the engine registry under ${s.stateDir}`);

  const killedAt = Date.now();
  process.kill(host.pid, 'SIGKILL');
  // VS Code may start a new extension host (which attaches again and starts new servers): only the processes that
  // existed at the kill are checked, by pid and start time.
  const clean = await pollUntil(() => fixtures.every((p) => !isAlive(p)), 10_000, 100);
  const elapsedMs = Date.now() - killedAt;
  const left = fixtures.filter(isAlive).map((p) => `${p.pid} ${p.cmdline}`);
  assert.ok(clean, `10 s after kill -9 of the extension host: fixtures alive ${JSON.stringify(left)}`);
  // The engine is shared by every window and terminal agent: losing one window does not take it down.
  assert.ok(isAlive(engine), 'the engine died with the window');
  const registryLeft = s.aliveSince(registry).map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`);
  assert.deepEqual(registryLeft, [], 'processes named in the registry survived');
  console.log(`# cleanup after extension host kill -9 took ${elapsedMs} ms for ${fixtures.length} fixture processes`);
});
