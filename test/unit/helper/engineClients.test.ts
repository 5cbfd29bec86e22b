// Unit tests: merging what several clients of one engine configure (src/helper/windows/mergeConfig.ts), and which
// servers a leaving client takes with it (src/helper/windows/engineClients.ts), against a fake supervisor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigFileRef, ConfigureParams, StopResult } from '../../../src/shared/protocol';
import { EngineClients, type ClientsHost } from '../../../src/helper/windows/engineClients';
import { mergeConfigParams } from '../../../src/helper/windows/mergeConfig';

const ws = (path: string, trusted = true): ConfigFileRef => ({ path, origin: 'workspace', trusted, workspaceFolder: path.replace(/\/\.vscode\/.*$/, '') });
const user = (path: string): ConfigFileRef => ({ path, origin: 'user', trusted: true });

describe('mergeConfigParams', () => {
  it('reads each file once, trusts it only if every client does, keeps the first settings server and the last settings', () => {
    const merged = mergeConfigParams([
      { files: [user('/u/servers.json'), ws('/a/.vscode/mcp.json')], settingsServers: { s: { command: 'one' } }, settings: { memoryLimitMB: 100 }, autoStart: true },
      { files: [user('/u/servers.json'), ws('/a/.vscode/mcp.json', false), ws('/b/.vscode/mcp.json')], settingsServers: { s: { command: 'two' }, t: { command: 't' } }, settings: { memoryLimitMB: 200 }, autoStart: true },
      { files: [], autoStart: false },
    ]);
    assert.deepEqual(merged.files.map((f) => [f.path, f.trusted]), [['/u/servers.json', true], ['/a/.vscode/mcp.json', false], ['/b/.vscode/mcp.json', true]]);
    assert.deepEqual(merged.settingsServers, { s: { command: 'one' }, t: { command: 't' } });
    assert.deepEqual(merged.settings, { memoryLimitMB: 200 });
  });

  it('does not change the refs it was given', () => {
    const a = ws('/a/.vscode/mcp.json');
    mergeConfigParams([{ files: [a], autoStart: true }, { files: [ws('/a/.vscode/mcp.json', false)], autoStart: true }]);
    assert.equal(a.trusted, true);
  });
});

/** A supervisor stand-in: files name servers; configure starts the held ones and stops the removed ones. */
function fakeHost(filesToNames: Record<string, string[]>, stopWhenUnused = true) {
  const live = new Set<string>();
  const used = new Set<string>();
  const calls: string[] = [];
  let configured = new Set<string>();
  const names = (p: ConfigureParams) => [...new Set([...p.files.flatMap((f) => filesToNames[f.path] ?? []), ...Object.keys(p.settingsServers ?? {})])];
  const host: ClientsHost = {
    async configure(p, startOnly) {
      const all = names(p);
      for (const n of [...live]) if (!all.includes(n)) live.delete(n);
      configured = new Set(all);
      if (p.autoStart) for (const n of all) if (startOnly.has(n)) live.add(n);
      return { servers: all.map((n) => ({ name: n, source: 'x', origin: 'user', blocked: null })), problems: [] };
    },
    async stop(name): Promise<StopResult> {
      calls.push(`stop ${name}`);
      live.delete(name);
      return { stopped: [name], survivors: [] };
    },
    isLive: (n) => live.has(n),
    inUse: (n) => used.has(n),
    closeSessionsOf: (id) => calls.push(`close sessions of ${id}`),
    load: (p) => ({ names: names(p), problems: [] }),
    stopWhenUnused,
    log: () => undefined,
  };
  return { host, live, used, calls, configured: () => configured };
}

const windowParams = (...files: ConfigFileRef[]): ConfigureParams => ({ files, autoStart: true });

describe('EngineClients', () => {
  const files = { '/u/servers.json': ['shared'], '/a/.vscode/mcp.json': ['a-only'], '/b/.vscode/mcp.json': ['b-only'] };

  it('two windows with one user-level server: it starts once; closing one keeps it; closing both stops it', async () => {
    const f = fakeHost(files);
    const clients = new EngineClients(f.host);
    const a = clients.open();
    const b = clients.open();
    clients.attachWindow(a, 'a', 11);
    clients.attachWindow(b, 'b', 12);
    const ra = await clients.configure(a, windowParams(user('/u/servers.json'), ws('/a/.vscode/mcp.json')));
    await clients.configure(b, windowParams(user('/u/servers.json'), ws('/b/.vscode/mcp.json')));
    // Each window's report lists its own servers only; the supervisor runs the union.
    assert.deepEqual(ra.servers.map((s) => s.name).sort(), ['a-only', 'shared']);
    assert.deepEqual([...f.live].sort(), ['a-only', 'b-only', 'shared']);
    assert.equal(clients.windowCount, 2);

    const r1 = await clients.release(a, 'window closed');
    assert.deepEqual(r1.stopped, ['a-only']);
    assert.deepEqual([...f.live].sort(), ['b-only', 'shared']);
    assert.ok(f.calls.includes(`close sessions of ${a.id}`), 'the window\'s agent sessions were not ended');
    assert.ok(clients.isHeld('shared'));

    const r2 = await clients.release(b, 'window closed');
    assert.deepEqual(r2.stopped.sort(), ['b-only', 'shared']);
    assert.deepEqual([...f.live], []);
    assert.equal(clients.windowCount, 0);
    assert.deepEqual((await clients.release(b, 'again')).stopped, [], 'release is idempotent');
  });

  it('a server a terminal agent still uses keeps running after its last window leaves', async () => {
    const f = fakeHost(files);
    const clients = new EngineClients(f.host);
    await clients.setBase({ files: [user('/u/servers.json')], autoStart: false });
    const a = clients.open();
    clients.attachWindow(a, 'a', 11);
    await clients.configure(a, windowParams(user('/u/servers.json')));
    f.used.add('shared');
    const r = await clients.release(a, 'window closed');
    assert.deepEqual(r.stopped, []);
    assert.ok(f.live.has('shared'));
    // It was started for a client: the session layer stops it when its last session leaves (no window holds it).
    assert.equal(clients.isHeld('shared'), false);
    assert.equal(clients.startedForClients('shared'), true);
  });

  it("under `run` the engine's own servers keep running when windows leave; a window's own still go", async () => {
    const f = fakeHost(files, false);
    const clients = new EngineClients(f.host);
    await clients.setBase({ files: [user('/u/servers.json')], autoStart: true });
    const a = clients.open();
    await clients.configure(a, windowParams(user('/u/servers.json'), ws('/a/.vscode/mcp.json')));
    assert.equal(clients.startedForClients('shared'), false);
    const r = await clients.release(a, 'connection closed');
    assert.deepEqual(r.stopped, ['a-only']);
    assert.deepEqual([...f.live], ['shared']);
  });

  it('a window that does not auto-start holds only what it started by hand', async () => {
    const f = fakeHost(files);
    const clients = new EngineClients(f.host);
    const a = clients.open();
    await clients.configure(a, { files: [user('/u/servers.json'), ws('/a/.vscode/mcp.json')], autoStart: false });
    assert.deepEqual([...f.live], []);
    clients.holdExplicit(a, 'a-only');
    f.live.add('a-only');
    assert.ok(clients.isHeld('a-only'));
    assert.equal(clients.isHeld('shared'), false);
    const r = await clients.release(a, 'closed');
    assert.deepEqual(r.stopped, ['a-only']);
  });

  it("takes a window's own id, refuses a malformed or attached one, and frees it at once on release (a reconnect)", async () => {
    const f = fakeHost(files);
    const clients = new EngineClients(f.host);
    const a = clients.open('win-1');
    assert.equal(a.id, 'win-1');
    assert.throws(() => clients.open('win-1'), /not attached already/);
    assert.throws(() => clients.open('bad id!'), /window id/);
    clients.attachWindow(a, 'a', 1);
    await clients.configure(a, windowParams(user('/u/servers.json')));
    const released = clients.release(a, 'connection closed');
    // Before the release's stops and configure have run, the same window attaches again; its servers run afterwards.
    const again = clients.open('win-1');
    clients.attachWindow(again, 'a', 1);
    await clients.configure(again, windowParams(user('/u/servers.json')));
    await released;
    assert.ok(f.live.has('shared'));
    assert.equal(clients.windowCount, 1);
  });

  it('refuses a configure after release and bounds the number of clients', async () => {
    const f = fakeHost(files);
    const clients = new EngineClients(f.host);
    const a = clients.open();
    await clients.release(a, 'closed');
    await assert.rejects(clients.configure(a, windowParams()), /already detached/);
    const many = [];
    for (let i = 0; i < 64; i++) many.push(clients.open());
    assert.throws(() => clients.open(), /already serves 64/);
    for (const c of many) await clients.release(c, 'closed');
    assert.doesNotThrow(() => clients.open());
  });
});
