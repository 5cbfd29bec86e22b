// Faults a careful user found in the memory store, each reproduced for real: exports to places that cannot take
// them (a missing folder, a directory, a read-only and a full file system), an oversized MCP request, import line
// numbers, a search while another process holds a write transaction, control characters and invalid UTF-8.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { MemoryStore } from '../../../src/helper/memory/store';
import { repoRoot, tempDir } from '../../support/fixtures';
import { SeenProcesses, killAll } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');
/** Every process this file starts, by pid and start time: a pid reused after ours exited is neither a leak nor killed. */
const pids = new SeenProcesses();
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  const leaked = pids.alive();
  killAll(leaked);
  assert.deepEqual(leaked, [], 'processes this file started are still running');
});

function runCli(args: string[], input?: string | Buffer) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, input });
}

/** A tmpfs of `size` mounted at a fresh directory (we are root here); unmounted after the file. */
function tmpfs(label: string, options: string): string | null {
  const dir = tempDir(label);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

function storeWith(n: number, label: string): string {
  const dir = tempDir(label);
  const s = MemoryStore.open(join(dir, 'memory.db'));
  s.saveMany(Array.from({ length: n }, (_, i) => ({ content: `memory ${i} ${'about the export path and disk space '.repeat(20)}` })));
  s.close();
  return dir;
}

describe('memory export never reports a backup it did not make', () => {
  const stateDir = storeWith(300, 'export-src');

  it('fails with the reason when the folder does not exist, and writes nothing', () => {
    const target = join(tempDir('export-missing'), 'no-such-folder', 'backup.jsonl');
    const r = runCli(['memory', 'export', target, '--state-dir', stateDir]);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /does not exist/);
    assert.doesNotMatch(r.stdout, /exported/);
    assert.equal(existsSync(target), false);
  });

  it('fails when the target is a directory', () => {
    const target = tempDir('export-dir');
    const r = runCli(['memory', 'export', target, '--state-dir', stateDir]);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /is a directory/);
    assert.deepEqual(readdirSync(target), []);
  });

  it('fails on a read-only file system', (t) => {
    const dir = tmpfs('export-ro', 'ro,size=1m');
    if (!dir) return t.skip('mounting a tmpfs needs root');
    const r = runCli(['memory', 'export', join(dir, 'backup.jsonl'), '--state-dir', stateDir]);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /read-only/);
  });

  it('fails on a full disk, leaves the previous backup as it was and no partial or temp file', (t) => {
    const dir = tmpfs('export-full', 'size=64k,mode=0700');
    if (!dir) return t.skip('mounting a tmpfs needs root');
    const target = join(dir, 'backup.jsonl');
    writeFileSync(target, 'the previous backup\n');
    const r = runCli(['memory', 'export', target, '--state-dir', stateDir]);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /disk is full|no space/i);
    assert.doesNotMatch(r.stdout, /exported/);
    assert.equal(readFileSync(target, 'utf8'), 'the previous backup\n');
    assert.deepEqual(readdirSync(dir), ['backup.jsonl']);
  });

  it('writes the whole file, user-only, and leaves no temp file when it succeeds', () => {
    const dir = tempDir('export-ok');
    const target = join(dir, 'backup.jsonl');
    writeFileSync(target, 'old\n');
    const r = runCli(['memory', 'export', target, '--state-dir', stateDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /exported 300 memories/);
    assert.equal(readFileSync(target, 'utf8').trim().split('\n').length, 300);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['backup.jsonl']);
  });
});

describe('the memory MCP server survives an oversized request', () => {
  it('answers a 10 MB memory_save with a tool error and keeps serving', async () => {
    const stateDir = tempDir('mcp-big');
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'memory-server', '--state-dir', stateDir], stderr: 'ignore' });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    pids.add(transport.pid!);
    const big = await client.callTool({ name: 'memory_save', arguments: { content: 'x'.repeat(10 * 1024 * 1024) } }, undefined, { timeout: 30_000 });
    assert.equal(big.isError, true);
    assert.match((big.content as { text: string }[])[0]!.text, /too large|MB/);
    assert.ok(pids.running(transport.pid!), 'the server is still running');
    const next = await client.callTool({ name: 'memory_save', arguments: { content: 'saved after the big one' } }, undefined, { timeout: 30_000 });
    assert.equal(next.isError, undefined);
    const found = await client.callTool({ name: 'memory_search', arguments: { query: 'after big' } }, undefined, { timeout: 30_000 });
    assert.match((found.content as { text: string }[])[0]!.text, /saved after the big one/);
    await client.close();
  });

  it('rejects a request that is not valid UTF-8 instead of saving replacement characters', async () => {
    const stateDir = tempDir('mcp-utf8');
    const child = spawn(process.execPath, [cli, 'memory-server', '--state-dir', stateDir], { stdio: ['pipe', 'pipe', 'ignore'] });
    pids.add(child.pid!);
    const replies = new Map<number, Record<string, unknown>>();
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { id?: number };
        buf = buf.slice(nl + 1);
        if (typeof msg.id === 'number') replies.set(msg.id, msg);
      }
    });
    const reply = async (id: number) => {
      for (let i = 0; i < 300 && !replies.has(id); i++) await new Promise((r) => setTimeout(r, 100));
      return replies.get(id) as { result?: { isError?: boolean; content: { text: string }[] }; error?: { message: string } };
    };
    const send = (b: Buffer | string) => child.stdin!.write(b);
    send(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
    assert.ok((await reply(1)).result);
    send(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const call = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'memory_save', arguments: { content: 'broken BYTES here' } } });
    const [before, afterText] = call.split('BYTES');
    send(Buffer.concat([Buffer.from(before!), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`${afterText!}\n`)]));
    const bad = await reply(2);
    assert.ok(bad, 'the invalid request got an answer');
    assert.match(bad.error?.message ?? bad.result?.content[0]?.text ?? '', /UTF-8/);
    // JSON can spell a lone surrogate (\ud800) that no UTF-8 can hold: refused too, not stored as U+FFFD.
    send(`${JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'memory_save', arguments: { content: 'lone \ud800 surrogate' } } })}\n`);
    const lone = await reply(4);
    assert.equal(lone.result?.isError, true);
    assert.match(lone.result!.content[0]!.text, /surrogate/);
    send(`${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'memory_recent', arguments: {} } })}\n`);
    assert.match((await reply(3)).result!.content[0]!.text, /No memories yet/);
    child.stdin!.end();
    if (child.exitCode === null) await once(child, 'exit');
  });
});

describe('memory import reports the real line of each bad value', () => {
  it('names the line of a bad importance, an empty content and invalid UTF-8, and imports the rest', () => {
    const dir = tempDir('import-lines');
    const lines: Buffer[] = [];
    for (let i = 1; i <= 50; i++) {
      if (i === 7) lines.push(Buffer.from(JSON.stringify({ content: 'too important', importance: 2 })));
      else if (i === 20) lines.push(Buffer.from(JSON.stringify({ content: '   ' })));
      else if (i === 33) lines.push(Buffer.concat([Buffer.from('{"content":"bad '), Buffer.from([0xc3, 0x28]), Buffer.from(' bytes"}')]));
      else lines.push(Buffer.from(JSON.stringify({ content: `good memory number ${i}` })));
    }
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const r = runCli(['memory', 'import', file, '--json', '--state-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { imported: number; skipped: number; problems: string[] };
    assert.equal(result.imported, 47);
    assert.equal(result.skipped, 3);
    assert.match(result.problems[0]!, /^line 7: importance/);
    assert.match(result.problems[1]!, /^line 20: content is required/);
    assert.match(result.problems.join('\n'), /line 33: not valid UTF-8/);
    assert.doesNotMatch(result.problems.join('\n'), /line 50/);
  });
});

describe('reads never wait for a writer in another process', () => {
  it('searches and gets while another process holds a write transaction; access times catch up later', async () => {
    const dir = tempDir('read-while-write');
    const db = join(dir, 'memory.db');
    const s = MemoryStore.open(db);
    const saved = await s.save({ content: 'the staging database password rotates on tuesdays' });
    const accessedBefore = s.get(saved.id).accessedAt;
    s.close();
    const holder: ChildProcess = spawn(process.execPath, [join(repoRoot, 'out/test/support/writeLockHolder.entry.js'), db], { stdio: ['pipe', 'pipe', 'inherit'] });
    pids.add(holder.pid!);
    let out = '';
    holder.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    for (let i = 0; i < 300 && !out.includes('locked'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /locked/);

    // Before the fix both failed with MEMORY_DB_LOCKED once the 5 s busy timeout ran out.
    const r = runCli(['memory', 'search', 'password', '--json', '--state-dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { hits: { id: string }[] }).hits[0]!.id, saved.id);
    const reader = MemoryStore.open(db);
    const started = Date.now();
    assert.equal((await reader.search({ query: 'password' })).hits[0]!.id, saved.id);
    assert.equal(reader.get(saved.id).id, saved.id);
    // In-process reads take milliseconds; one that waited for the writer's busy timeout (5 s) would show here.
    assert.ok(Date.now() - started < 4000, `reads took ${Date.now() - started} ms`);

    holder.stdin!.end();
    await once(holder, 'exit');
    await reader.search({ query: 'password' });
    reader.close();
    const check = MemoryStore.open(db);
    const row = check.database.prepare('SELECT accessed_at FROM memories WHERE id = ?').pluck().get(saved.id) as number;
    assert.ok(row > Date.parse(accessedBefore), 'the access time was bumped once the lock was free');
    check.close();
  });
});

describe('terminal output and UTF-8 input of the memory CLI', () => {
  it('escapes control characters in memory text printed to the terminal', () => {
    const dir = tempDir('ctrl');
    assert.equal(runCli(['memory', 'add', 'ring \u0007 the bell and \u001b[31mpaint it red\u001b[0m \u009b2J', '--state-dir', dir]).status, 0);
    for (const args of [['search', 'bell'], ['recent']]) {
      const r = runCli(['memory', ...args, '--state-dir', dir]);
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /[\u0007\u001b\u009b]/, `memory ${args[0]} printed raw control characters`);
      assert.match(r.stdout, /\\x1b\[31m/);
    }
    const id = (JSON.parse(runCli(['memory', 'recent', '--json', '--state-dir', dir]).stdout) as { id: string }[])[0]!.id;
    const got = runCli(['memory', 'get', id, '--state-dir', dir]);
    assert.doesNotMatch(got.stdout, /[\u0007\u001b\u009b]/);
    assert.match(got.stdout, /\\x07/);
    const json = runCli(['memory', 'get', id, '--json', '--state-dir', dir]);
    assert.doesNotMatch(json.stdout, /[\u0007\u001b\u009b]/);
    assert.match((JSON.parse(json.stdout) as { content: string }).content, /\u001b\[31m/, 'JSON keeps the text exact');
  });

  it('rejects invalid UTF-8 in arguments and on stdin, saving nothing', () => {
    const dir = tempDir('utf8-cli');
    mkdirSync(dir, { recursive: true });
    // xargs passes the bytes as they are; a spawn from Node would encode a string as valid UTF-8.
    const arg = spawnSync('xargs', ['-0', process.execPath, cli, 'memory', 'add', '--state-dir', dir], { input: Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe]), encoding: 'utf8' });
    assert.notEqual(arg.status, 0);
    assert.match(arg.stderr, /not valid UTF-8/);
    const stdin = runCli(['memory', 'add', '-', '--state-dir', dir], Buffer.from([0x6f, 0x6b, 0x20, 0xc3, 0x28]));
    assert.notEqual(stdin.status, 0);
    assert.match(stdin.stderr, /not valid UTF-8/);
    const good = runCli(['memory', 'add', '-', '--state-dir', dir], Buffer.from('from stdin, caf\u00e9\n'));
    assert.equal(good.status, 0, good.stderr);
    const list = JSON.parse(runCli(['memory', 'recent', '--json', '--state-dir', dir]).stdout) as { content: string }[];
    assert.deepEqual(list.map((m) => m.content), ['from stdin, caf\u00e9']);
  });
});
