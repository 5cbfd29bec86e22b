// The engine as a real process, reached as an editor window reaches it (the control socket, attached as a window):
// window-close detach, cleanup when the window's connection goes, SIGTERM, orphan reaping after kill -9, the control
// socket's permissions, memory settings from the extension, and a clear refusal on an old Node.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResponseError } from 'vscode-jsonrpc';
import {
  ConfigureRequest,
  MemoryConfigureRequest,
  MemorySaveRequest,
  MemoryStatsRequest,
  ShutdownRequest,
  SnapshotRequest,
} from '../../../src/shared/protocol';
import type { MemorySettings } from '../../../src/shared/memorySettings';
import { fixtureServer, repoRoot, tempDir, writeConfig } from '../../support/fixtures';
import { startHelper, type HelperHandle } from '../../support/helperProcess';
import { SeenProcesses, isRunning, killAll, waitFor } from '../../support/procfs';

// pid + start time: a pid reused by another process after ours exited is not ours to report or kill.
const started = new SeenProcesses();
const helpers: HelperHandle[] = [];
after(async () => {
  for (const h of helpers) {
    h.close();
    if (h.child.exitCode === null) {
      h.child.kill('SIGTERM');
      await h.exited;
    }
  }
  const leaked = started.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes survived the helper tests');
});

async function helperWithServers(label: string, servers: Record<string, unknown>) {
  const stateDir = tempDir(label);
  const h = await startHelper(stateDir);
  helpers.push(h);
  started.add(h.child.pid!);
  const path = writeConfig(stateDir, { servers });
  await h.connection.sendRequest(ConfigureRequest.type, { files: [{ path, origin: 'user', trusted: true }], autoStart: true });
  const snap = await waitFor('servers running with their children sampled', async () => {
    const s = await h.connection.sendRequest(SnapshotRequest.type);
    return s.servers.every((x) => x.state === 'running') && s.servers.reduce((n, x) => n + x.children, 0) >= 2 ? s : undefined;
  });
  const pids = snap.servers.flatMap((s) => s.processes.map((p) => p.pid));
  for (const p of pids) started.add(p);
  return { h, stateDir, pids };
}

describe('helper process', () => {
  it("serves snapshots to the window and stops the window's servers on its window-close ShutdownRequest; the engine stays", async () => {
    const { h, pids } = await helperWithServers('shutdown', { tree: fixtureServer('well-behaved', { CHILDREN: '2' }) });
    await waitFor('a snapshot notification', () => h.latest()?.servers[0]?.children === 2);
    assert.deepEqual(h.latest()?.helper.windows?.map((w) => w.id), [h.windowId]);
    const r = await h.connection.sendRequest(ShutdownRequest.type, { reason: 'window closed' });
    assert.deepEqual(r.stopped, ['tree']);
    assert.deepEqual(r.survivors, []);
    for (const p of pids) assert.equal(isRunning(p), false, `pid ${p} survived`);
    // The engine is shared by every window and terminal agent: a window closing does not end it.
    assert.equal(h.child.exitCode, null);
    h.child.kill('SIGTERM');
    assert.equal(await h.exited, 0);
  });

  it("stops the window's servers when its connection closes (extension host gone)", async () => {
    const { h, pids } = await helperWithServers('ipc', { tree: fixtureServer('grandchildren') });
    h.close();
    for (const p of pids) await waitFor(`pid ${p} gone`, () => !isRunning(p), 10_000);
    assert.equal(h.child.exitCode, null);
    h.child.kill('SIGTERM');
    await h.exited;
  });

  it('cleans up on SIGTERM', async () => {
    const { h, pids } = await helperWithServers('sigterm', { tree: fixtureServer('well-behaved', { CHILDREN: '3' }) });
    h.child.kill('SIGTERM');
    assert.equal(await h.exited, 0);
    for (const p of pids) assert.equal(isRunning(p), false, `pid ${p} survived`);
  });

  it('after kill -9 of a helper, the next helper reaps every orphan and nothing else', async () => {
    const { h, stateDir, pids } = await helperWithServers('reap', { tree: fixtureServer('grandchildren') });
    // An unrelated process that must survive the reaping.
    const bystander = spawnSync(process.execPath, ['-e', 'const c=require("child_process").spawn(process.execPath,["-e","setInterval(()=>{},1e9)"],{detached:true,stdio:"ignore"});c.unref();console.log(c.pid)'], { encoding: 'utf8' });
    const bystanderPid = Number(bystander.stdout.trim());
    started.add(bystanderPid);
    // Wait until the registry has the setsid descendant too. Its pids, not the first snapshot's, are the ones to
    // check: a sample at the handshake can come before the last descendant exists.
    const descendants = await waitFor('registry lists descendants', () => {
      const dir = join(stateDir, 'registry');
      const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
      for (const f of files) {
        const listed = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { entries: { descendants: { pid: number }[] }[] }).entries[0]?.descendants ?? [];
        if (listed.length === 4) return listed.map((d) => d.pid);
      }
      return undefined;
    });
    for (const p of descendants) started.add(p);
    h.child.kill('SIGKILL');
    await h.exited;
    await new Promise((r) => setTimeout(r, 300));
    const orphans = [...new Set([...pids, ...descendants])].filter((p) => p !== h.child.pid && isRunning(p));
    // The server itself exits on stdin EOF when its helper dies; its 4 descendants (one setsid'd) do not.
    assert.ok(orphans.length >= 4, `expected the server's children to outlive the killed helper, alive: ${orphans.length}`);

    const next = await startHelper(stateDir);
    helpers.push(next);
    started.add(next.child.pid!);
    const snap = await next.connection.sendRequest(SnapshotRequest.type);
    assert.equal(snap.helper.reapedOrphans, orphans.length);
    for (const p of orphans) assert.equal(isRunning(p), false, `orphan ${p} survived`);
    assert.ok(isRunning(bystanderPid), 'an unrelated process was killed');
    killAll([bystanderPid]);
    next.child.kill('SIGTERM');
    await next.exited;
  });

  it('exits with a clear message (not a crash) on Node older than 22', { skip: !isOldNode('/usr/bin/node') && 'no Node < 22 at /usr/bin/node' }, () => {
    const r = spawnSync('/usr/bin/node', [join(repoRoot, 'dist/cli.js'), 'daemon', '--foreground', '--state-dir', tempDir('old-node')], { encoding: 'utf8' });
    assert.equal(r.status, 78);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /needs Node\.js 22 or newer/);
    const cli = spawnSync('/usr/bin/node', [join(repoRoot, 'dist/cli.js'), 'memory', 'stats'], { encoding: 'utf8' });
    assert.equal(cli.status, 78);
    assert.match(cli.stderr, /needs Node\.js 22 or newer/);
  });

  it('serves `mcp-warden status` through a user-only control socket inside a user-only state dir', async () => {
    const { h, stateDir } = await helperWithServers('perm', { tree: fixtureServer('well-behaved', { CHILDREN: '2' }) });
    const snap = await h.connection.sendRequest(SnapshotRequest.type);
    const sock = snap.helper.controlSocket!;
    assert.ok(existsSync(sock));
    const { statSync } = await import('node:fs');
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    assert.equal(statSync(stateDir).mode & 0o077, 0);
    // `mcp-warden status` in a terminal sees what the engine the editor attached to runs.
    const status = spawnSync(process.execPath, [join(repoRoot, 'dist/cli.js'), 'status', '--json', '--state-dir', stateDir], { encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { helper: { pid: number }; servers: { name: string; children: number }[] };
    assert.equal(parsed.helper.pid, h.child.pid);
    assert.equal(parsed.servers[0]!.name, 'tree');
    assert.equal(parsed.servers[0]!.children, 2);
    h.child.kill('SIGTERM');
    await h.exited;
    assert.equal(existsSync(sock), false, 'socket removed on exit');
  });

  it('applies memory settings from the extension: bounds at the next save, embeddings from the configured endpoint', async () => {
    // A real HTTP endpoint speaking Ollama's /api/embeddings, recording what it was asked to embed.
    const prompts: string[] = [];
    const endpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        prompts.push((JSON.parse(body) as { prompt: string }).prompt);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ embedding: [1, 0, 0.5, 0.25] }));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const h = await startHelper(tempDir('memory-settings'));
    helpers.push(h);
    started.add(h.child.pid!);
    try {
      for (const content of ['first note', 'second note', 'third note']) await h.connection.sendRequest(MemorySaveRequest.type, { content });
      const settings: MemorySettings = {
        maxMemories: 2,
        maxBytes: null,
        embeddings: { provider: 'ollama', url: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}` },
      };
      await h.connection.sendRequest(MemoryConfigureRequest.type, settings);
      let stats = await h.connection.sendRequest(MemoryStatsRequest.type);
      assert.deepEqual([stats.count, stats.maxMemories], [3, 2], 'a lower bound deletes nothing by itself');
      const saved = await h.connection.sendRequest(MemorySaveRequest.type, { content: 'fourth note, with an embedding', importance: 0.9 });
      assert.equal(saved.evicted.length, 2, 'the next save evicts down to the bound and says which');
      assert.deepEqual(prompts, ['fourth note, with an embedding']);
      stats = await h.connection.sendRequest(MemoryStatsRequest.type);
      assert.deepEqual([stats.count, stats.withEmbeddings], [2, 1]);
      // A malformed message is refused whole; the settings before it stay.
      await assert.rejects(
        h.connection.sendRequest(MemoryConfigureRequest.type, { ...settings, maxMemories: 1, embeddings: { provider: 'bogus' } } as unknown as MemorySettings),
        (e: ResponseError<{ wardenCode: string }>) => e.data?.wardenCode === 'CONFIG_INVALID' && /provider must be one of none, openai, ollama/.test(e.message),
      );
      assert.equal((await h.connection.sendRequest(MemoryStatsRequest.type)).maxMemories, 2);
      h.child.kill('SIGTERM');
      assert.equal(await h.exited, 0);
    } finally {
      endpoint.close();
    }
  });
});

function isOldNode(path: string): boolean {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && Number(r.stdout.replace('v', '').split('.')[0]) < 22;
}
