// The MCP channel's liveness and byte bounds against real fixture servers: a stdout closed while the process lives,
// a reply over maxMessageMB, a server that exits before its handshake, and the engine's RSS under 10 MB/s floods.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WardenError } from '../../../src/shared/errors';
import { fixtureServer, repoRoot, tempDir, writeConfig } from '../../support/fixtures';
import { isRunning, killAll, listProcs, SeenProcesses, waitFor } from '../../support/procfs';
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

const MB = 1024 * 1024;

function existsFd(pid: number, fd: number): boolean {
  try {
    readFileSync(`/proc/${pid}/fdinfo/${fd}`);
    return true;
  } catch {
    return false;
  }
}

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/**
 * `mcp-warden run` (the engine in its own process) with one flood server: engine RSS sampled from /proc over 3 s of
 * idle after the handshake, then over the flood; returns both and the engine's own log of the server's stderr.
 */
async function engineRssUnderFlood(flood: 'stderr' | 'stderr-lines' | 'stdout'): Promise<{ idleBytes: number; peakBytes: number; samples: number }> {
  const dir = tempDir(`flood-${flood}`);
  // The flood starts 3 s after the handshake: the first 2.5 s of samples are the idle figure.
  const config = writeConfig(dir, { servers: { f: fixtureServer('flood', { FLOOD: flood, FLOOD_SEC: '8', FLOOD_AFTER_MS: '3000' }) } });
  const run = spawn(process.execPath, [join(repoRoot, 'dist/cli.js'), 'run', '--config', config, '--state-dir', join(dir, 'state')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  run.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-200_000)));
  run.stderr!.resume();
  const seen = new SeenProcesses().add(run.pid);
  try {
    await waitFor('the flood server running', () => /"state":"running"/.test(out), 30_000);
    const idle: number[] = [];
    const during: number[] = [];
    const t0 = Date.now();
    // Idle: until the flood starts (3 s after the handshake); then the flood's 8 s.
    while (Date.now() - t0 < 11_500) {
      for (const p of listProcs()) if (p.ppid === run.pid) seen.add(p.pid);
      (Date.now() - t0 < 2500 ? idle : during).push(rssOf(run.pid!));
      await new Promise((r) => setTimeout(r, 100));
    }
    idle.sort((a, b) => a - b);
    return { idleBytes: idle[idle.length >> 1]!, peakBytes: Math.max(...during), samples: during.length };
  } finally {
    run.kill('SIGTERM');
    await new Promise((r) => run.once('exit', r));
    const leaked = seen.alive();
    killAll(leaked);
    assert.deepEqual(leaked, [], 'the engine left processes behind');
  }
}

describe('the MCP channel', () => {
  it('a server that closes its stdout but keeps running is crashed with that reason, and restarted by policy', async () => {
    const h = await harness('stdout-closed');
    await h.configure({ mute: fixtureServer('flood') });
    await h.waitState('mute', 'running');
    const firstPid = h.supervisor.snapshot().servers[0]!.pid!;
    await h.supervisor.callTool({ name: 'mute', tool: 'close_stdout' });
    const crash = await h.waitEvent((e) => e.kind === 'state' && e.state === 'crashed', 'the crash', 15_000);
    assert.match(crash.message, /closed its stdout while still running \(pid \d+\); the MCP channel is gone/);
    assert.ok(!isRunning(firstPid), 'the process that closed its stdout was stopped');
    await waitFor('a restart', () => {
      const s = h.supervisor.snapshot().servers[0]!;
      return s.state === 'running' && s.pid !== firstPid && s.restarts === 1;
    }, 20_000);
    const r = await h.supervisor.callTool({ name: 'mute', tool: 'echo', arguments: { text: 'back' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'back' }]);
  });

  it('a server that closes its stdin (the pipe breaks on the next write) is crashed with that reason', async () => {
    const h = await harness('stdin-closed', { maxRestarts: 0 });
    await h.configure({ deaf: fixtureServer('flood') });
    await h.waitState('deaf', 'running');
    const pid = h.supervisor.snapshot().servers[0]!.pid!;
    await h.supervisor.callTool({ name: 'deaf', tool: 'close_stdin' });
    await waitFor('its stdin closed', () => !existsFd(pid, 0), 10_000);
    // The next request is what meets the broken pipe.
    await assert.rejects(h.supervisor.callTool({ name: 'deaf', tool: 'echo', arguments: { text: 'anyone?' } }));
    const crash = await h.waitEvent((e) => e.kind === 'state' && e.state === 'crashed', 'the crash', 15_000);
    assert.match(crash.message, /closed its stdin \(the pipe broke: EPIPE\) while still running/);
    await waitFor('the process stopped', () => !isRunning(pid), 10_000);
  });

  it('a 50 MB reply fails its call at once with "reply too large", and the server keeps answering', async () => {
    const h = await harness('big-reply');
    await h.configure({ big: fixtureServer('flood', {}, { requestTimeoutMs: 120_000 }) });
    await h.waitState('big', 'running');
    const t0 = Date.now();
    await assert.rejects(h.supervisor.callTool({ name: 'big', tool: 'big', arguments: { mb: 50 } }), (e: WardenError) =>
      e.code === 'REPLY_TOO_LARGE' && /reply too large \(50\.0 MB > 8 MB limit\)/.test(e.message));
    // The server needs a few seconds to build and write 50 MB; the bound is the 120 s timeout, never reached.
    assert.ok(Date.now() - t0 < 60_000, `failed after ${Date.now() - t0} ms`);
    const r = await h.supervisor.callTool({ name: 'big', tool: 'echo', arguments: { text: 'still here' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'still here' }]);
    assert.equal(h.supervisor.snapshot().servers[0]!.inFlightRequests, 0);
    assert.match(h.supervisor.logs('big').join('\n'), /reply to request \d+ is 50\.0 MB, over the 8 MB limit maxMessageMB/);
  });

  it('maxMessageMB is the bound: 1 MB rejects a 2 MB reply and passes a 0.5 MB one', async () => {
    const h = await harness('max-message');
    await h.configure({ big: fixtureServer('flood', {}, { maxMessageMB: 1 }) });
    await h.waitState('big', 'running');
    await assert.rejects(h.supervisor.callTool({ name: 'big', tool: 'big', arguments: { mb: 2 } }), /reply too large \(2\.0 MB > 1 MB limit\)/);
    const ok = await h.supervisor.callTool({ name: 'big', tool: 'big', arguments: { mb: 0.5 } });
    assert.equal((ok.content[0] as { text: string }).text.length, 0.5 * MB);
  });

  it('a server that exits before its handshake reports its exit code and last stderr lines', async () => {
    const h = await harness('early-exit', { maxRestarts: 0 });
    await h.configure({ early: fixtureServer('not-mcp', { EXIT_CODE: '3' }) });
    await h.waitState('early', 'failed');
    const s = h.supervisor.snapshot().servers[0]!;
    assert.match(s.lastError ?? '', /exited with code 3 before completing the MCP handshake/);
    assert.match(s.lastError ?? '', /not-mcp: exiting at once/);
    assert.equal(s.pid, null);
  });

  for (const flood of ['stderr', 'stderr-lines', 'stdout'] as const) {
    const what = { stderr: 'stderr without newlines', 'stderr-lines': 'stderr in 100-byte lines', stdout: 'one endless stdout line' }[flood];
    it(`the engine's RSS stays within +20 MB of idle under 10 MB/s of ${what}`, async () => {
      const { idleBytes, peakBytes, samples } = await engineRssUnderFlood(flood);
      const grown = (peakBytes - idleBytes) / MB;
      console.log(`# ${flood}: idle ${(idleBytes / MB).toFixed(1)} MB, peak ${(peakBytes / MB).toFixed(1)} MB (+${grown.toFixed(1)}) over ${samples} samples`);
      assert.ok(samples > 20, 'sampled through the flood');
      assert.ok(grown <= 20, `engine RSS grew ${grown.toFixed(1)} MB under the flood`);
    });
  }
});
