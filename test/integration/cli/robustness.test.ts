// `mcp-warden run` as a careless user types it: an option without its value, a config with nothing valid in it,
// and a config file edited while it runs (watched and reloaded).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { WardenEvent } from '../../../src/shared/protocol';
import { fixtureServer, repoRoot, tempDir, writeConfig } from '../../support/fixtures';
import { isRunning, killAll, SeenProcesses, waitFor } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');
const seen = new SeenProcesses();
after(() => {
  const leaked = seen.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes survived the CLI robustness tests');
});

/** An environment whose default state and config dirs are fresh temp dirs, so nothing falls back to the user's. */
function isolatedEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: join(dir, 'xdg-state'), MCP_WARDEN_CONFIG_DIR: join(dir, 'user-config') };
  delete env.MCP_WARDEN_STATE_DIR;
  return env;
}

describe('mcp-warden run, robustly', () => {
  it('`run --config --state-dir DIR` says --config needs a file and touches no state dir', () => {
    const dir = tempDir('args');
    const r = spawnSync(process.execPath, [cli, 'run', '--config', '--state-dir', join(dir, 'state')], { encoding: 'utf8', timeout: 20_000, env: isolatedEnv(dir) });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--config needs a file \(got the option --state-dir\)/);
    assert.ok(!existsSync(join(dir, 'state')) && !existsSync(join(dir, 'xdg-state')), 'neither the given nor the default state dir was used');
  });

  it('`run` with no valid server says so and exits 4 instead of waiting', () => {
    const dir = tempDir('novalid');
    const config = writeConfig(dir, { servers: { broken: { command: 42 }, remote: { type: 'http', url: 'http://127.0.0.1:1/mcp' } } });
    const r = spawnSync(process.execPath, [cli, 'run', '--config', config, '--state-dir', join(dir, 'state')], { encoding: 'utf8', timeout: 30_000, env: isolatedEnv(dir) });
    assert.equal(r.status, 4, `exit ${r.status}, signal ${r.signal}; stderr: ${r.stderr}`);
    assert.match(r.stderr, /no valid server in .*mcp\.json \(2 problem\(s\) above\); nothing to supervise/);
    assert.match(r.stderr, /"command" must be a non-empty string/);
  });

  it('reloads an edited config file: added and removed servers start and stop, a changed one restarts, events say so', async () => {
    const dir = tempDir('watch');
    const config = writeConfig(dir, { servers: { a: fixtureServer('tiny'), b: fixtureServer('tiny') } });
    const run = spawn(process.execPath, [cli, 'run', '--config', config, '--state-dir', join(dir, 'state')], { stdio: ['ignore', 'pipe', 'pipe'], env: isolatedEnv(dir) });
    seen.add(run.pid);
    const events: WardenEvent[] = [];
    let buffered = '';
    run.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const lines = (buffered + d).split('\n');
      buffered = lines.pop()!;
      for (const l of lines) if (l.trim()) events.push(JSON.parse(l) as WardenEvent);
    });
    run.stderr!.resume();
    const runningPid = (name: string) => {
      const e = [...events].reverse().find((x) => x.kind === 'state' && x.server === name);
      return e?.state === 'running' ? e.pid : undefined;
    };
    try {
      await waitFor('a and b running', () => runningPid('a') && runningPid('b'), 30_000);
      const [a1, b1] = [runningPid('a')!, runningPid('b')!];
      seen.add(a1).add(b1);
      // Replaced by rename, as editors save: the watcher must follow the name, not the old inode.
      const next = join(dir, 'next.json');
      writeFileSync(next, JSON.stringify({ servers: { a: fixtureServer('tiny', { CHANGED: '1' }), c: fixtureServer('tiny') } }));
      renameSync(next, config);
      await waitFor('the reload', () => runningPid('c') && runningPid('a') && runningPid('a') !== a1, 30_000);
      seen.add(runningPid('a')).add(runningPid('c'));
      const changes = events.filter((e) => e.kind === 'config-change').map((e) => `${e.server}:${e.change}`).sort();
      assert.deepEqual(changes, ['a:changed', 'b:removed', 'c:added']);
      await waitFor('b stopped', () => !isRunning(b1), 10_000);
      assert.ok(!isRunning(a1), 'the old a is gone');
    } finally {
      run.kill('SIGTERM');
      await new Promise((r) => run.once('exit', r));
    }
  });
});
