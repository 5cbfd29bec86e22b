// Attacks on the state dir, as another local user would make them: a dir they own or can write, a symlink planted
// where the registry writes, forged registry entries. Each is refused or comes to nothing, checked on the OS.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PidRegistry } from '../../../src/helper/registry/pidRegistry';
import { ProcFsProcessTable } from '../../../src/helper/sampling/procFsTable';
import { startControlServer } from '../../../src/helper/control/controlServer';
import { rotatingLog } from '../../../src/helper/daemon/rotatingLog';
import { fixtureServer, repoRoot, tempDir, writeConfig } from '../../support/fixtures';
import { isRunning, killAll, listProcs, readProc, SeenProcesses, waitFor } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');
const table = new ProcFsProcessTable();
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const started = new SeenProcesses();
const IDLE = 'setInterval(() => {}, 1 << 30)';

function startIdle(): { pid: number; startTicks: number } {
  const child = spawn(process.execPath, ['-e', IDLE], { detached: true, stdio: 'ignore' });
  child.unref();
  started.add(child.pid!);
  return { pid: child.pid!, startTicks: readProc(child.pid!)?.startTicks ?? 0 };
}

async function identity(pid: number): Promise<{ pid: number; startTicks: number }> {
  const startTicks = await waitFor(`process ${pid}`, () => readProc(pid)?.startTicks, 10_000);
  return { pid, startTicks };
}

/** A group leader that starts a member of its group and exits: the group lives on without its leader. */
async function leaderlessGroup(): Promise<{ leader: number; member: number }> {
  const script = `const c=require('child_process').spawn(process.execPath,['-e','${IDLE}'],{stdio:'ignore'});c.unref();console.log(c.pid);process.exit(0)`;
  const leader = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  started.add(leader.pid!);
  const member = await new Promise<number>((resolve) => leader.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  started.add(member);
  await waitFor('the leader to exit', () => !isRunning(leader.pid!), 10_000);
  assert.equal(readProc(member)?.pgid, leader.pid, 'the member keeps the exited leader\'s group');
  return { leader: leader.pid!, member };
}

/** A dead process's identity, for a registry owner that is certainly not alive. */
async function deadIdentity(): Promise<{ pid: number; startTicks: number }> {
  const p = startIdle();
  const id = await identity(p.pid);
  process.kill(p.pid, 'SIGKILL');
  await waitFor('the owner to die', () => !isRunning(p.pid), 10_000);
  return id;
}

function registryFile(dir: string, owner: { pid: number; startTicks: number }, entries: unknown[]): string {
  const path = join(dir, `${owner.pid}-${owner.startTicks}.json`);
  writeFileSync(path, JSON.stringify({ version: 1, ownerPid: owner.pid, ownerStartTime: owner.startTicks, entries }), { mode: 0o600 });
  return path;
}

const entry = (pid: number, startTime: number, owner: { pid: number; startTicks: number }) =>
  ({ pid, pgid: pid, startTime, command: 'node', server: 'forged', ownerPid: owner.pid, ownerStartTime: owner.startTicks, descendants: [] });

function runCli(stateDir: string, ...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args, '--state-dir', stateDir], { encoding: 'utf8', timeout: 20_000 });
}

after(() => {
  const leaked = started.alive();
  killAll(leaked);
});

describe('a state dir nobody else can steer', () => {
  it('`run` refuses a world-writable state dir with exit code 77 and starts nothing', () => {
    const parent = tempDir('unsafe');
    const stateDir = join(parent, 'state');
    mkdirSync(stateDir);
    chmodSync(stateDir, 0o777);
    const config = writeConfig(parent, { servers: { a: fixtureServer('well-behaved') } });
    const r = runCli(stateDir, 'run', '--config', config);
    assert.equal(r.status, 77, `exit ${r.status}; stderr: ${r.stderr}`);
    assert.match(r.stderr, /Refusing the state directory .*writable by its group and others \(mode 0777\)/);
    assert.ok(!readdirSync(stateDir).includes('registry'), 'nothing was written into it');
  });

  it('`run`, `status` and `memory` refuse a state dir owned by another user', { skip: !asRoot && 'needs root to chown' }, () => {
    const parent = tempDir('foreign');
    const stateDir = join(parent, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    chownSync(stateDir, NOBODY, NOBODY);
    const config = writeConfig(parent, { servers: { a: fixtureServer('well-behaved') } });
    for (const args of [['run', '--config', config], ['status'], ['memory', 'stats']]) {
      const r = runCli(stateDir, ...args);
      assert.equal(r.status, 77, `${args[0]}: exit ${r.status}; stderr: ${r.stderr}`);
      assert.match(r.stderr, /owned by uid 65534, not by you \(uid 0\)/, args[0]);
    }
    assert.deepEqual(readdirSync(stateDir), [], 'nothing was written into it');
  });

  it('the registry refuses a group-writable registry directory', async () => {
    const stateDir = tempDir('regdir');
    mkdirSync(join(stateDir, 'registry'));
    chmodSync(join(stateDir, 'registry'), 0o770);
    await assert.rejects(PidRegistry.open(stateDir, table), (e: Error & { code?: string }) =>
      e.code === 'STATE_DIR_UNSAFE' && /registry directory .* writable by its group \(mode 0770\)/.test(e.message));
  });

  it('a symlink planted at the registry\'s temp and file paths is not followed: the target is unchanged', async () => {
    const stateDir = tempDir('symlink');
    const victim = join(tempDir('victim'), 'precious.txt');
    writeFileSync(victim, 'precious', { mode: 0o644 });
    const registry = await PidRegistry.open(stateDir, table);
    const file = join(stateDir, 'registry', `${registry.owner.pid}-${registry.owner.startTime}.json`);
    // Today's temp path and the file itself, both pointing at the victim.
    symlinkSync(victim, `${file}.tmp`);
    symlinkSync(victim, file);
    const p = startIdle();
    const id = await identity(p.pid);
    registry.record({ pid: id.pid, pgid: id.pid, startTime: id.startTicks, command: 'node', server: 's' });
    registry.updateDescendants(id.pid, [{ pid: 123456, startTime: 1 }]);
    assert.equal(readFileSync(victim, 'utf8'), 'precious', 'the symlink target was not written');
    assert.ok(lstatSync(file).isFile() && !lstatSync(file).isSymbolicLink(), 'the registry file replaced the link');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).entries[0].pid, id.pid);
    registry.remove(id.pid);
    registry.dispose();
  });

  it('a symlink planted at the daemon log\'s path is not written through', () => {
    const stateDir = tempDir('log-link');
    const victim = join(tempDir('log-victim'), 'precious.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(stateDir, 'daemon.log'));
    rotatingLog(join(stateDir, 'daemon.log'))('a line the attacker wants in a root-owned file');
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
  });

  it('a registry file written by another user, naming a root process with its real start time, kills nothing', { skip: !asRoot && 'needs root to chown' }, async () => {
    const stateDir = tempDir('forged');
    const dir = join(stateDir, 'registry');
    mkdirSync(dir, { mode: 0o700 });
    const victim = await identity(startIdle().pid);
    const owner = await deadIdentity();
    const forged = registryFile(dir, owner, [entry(victim.pid, victim.startTicks, owner)]);
    chownSync(forged, NOBODY, NOBODY);
    const registry = await PidRegistry.open(stateDir, table);
    const result = await registry.reapOrphans();
    registry.dispose();
    assert.equal(result.reaped, 0);
    assert.ok(isRunning(victim.pid), 'the named process is alive');
    assert.equal(readProc(victim.pid)?.startTicks, victim.startTicks);
    assert.match(result.warnings.join('\n'), /registry file .* owned by uid 65534/);
  });

  it('`run` over a state dir holding another user\'s forged registry file kills nothing and says why', { skip: !asRoot && 'needs root to chown' }, async () => {
    const parent = tempDir('forged-run');
    const stateDir = join(parent, 'state');
    mkdirSync(join(stateDir, 'registry'), { recursive: true, mode: 0o700 });
    chmodSync(stateDir, 0o700);
    const victim = await identity(startIdle().pid);
    const owner = await deadIdentity();
    chownSync(registryFile(join(stateDir, 'registry'), owner, [entry(victim.pid, victim.startTicks, owner)]), NOBODY, NOBODY);
    const config = writeConfig(parent, { servers: {} });
    const run = spawn(process.execPath, [cli, 'run', '--config', config, '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MCP_WARDEN_CONFIG_DIR: join(parent, 'cfg') } });
    let err = '';
    run.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    assert.equal(code, 4, err); // no valid server: it exits, after the start-up reap
    assert.match(err, /Refusing the registry file .* owned by uid 65534/);
    assert.ok(isRunning(victim.pid) && readProc(victim.pid)?.startTicks === victim.startTicks, 'the named process is alive');
  });

  it('a registry file that is a symlink, or writable by others, is not acted on', async () => {
    const stateDir = tempDir('forged-mode');
    const dir = join(stateDir, 'registry');
    mkdirSync(dir, { mode: 0o700 });
    const victim = await identity(startIdle().pid);
    const owner = await deadIdentity();
    const loose = registryFile(dir, owner, [entry(victim.pid, victim.startTicks, owner)]);
    chmodSync(loose, 0o666);
    const elsewhere = join(tempDir('forged-target'), 'entries.json');
    writeFileSync(elsewhere, readFileSync(loose));
    symlinkSync(elsewhere, join(dir, `${owner.pid}-${owner.startTicks + 1}.json`));
    const registry = await PidRegistry.open(stateDir, table);
    const result = await registry.reapOrphans();
    registry.dispose();
    assert.equal(result.reaped, 0);
    assert.ok(isRunning(victim.pid), 'the named process is alive');
    assert.match(result.warnings.join('\n'), /writable by its group and others \(mode 0666\)/);
    assert.match(result.warnings.join('\n'), /is a symlink/);
  });

  it('a registry entry naming a process group whose leader exited kills none of its members', async () => {
    const stateDir = tempDir('leaderless');
    const dir = join(stateDir, 'registry');
    mkdirSync(dir, { mode: 0o700 });
    const { leader, member } = await leaderlessGroup();
    const memberId = await identity(member);
    const owner = await deadIdentity();
    // Any start time will do for the leader: it is gone, and nothing can be checked against it.
    registryFile(dir, owner, [entry(leader, 1, owner)]);
    const registry = await PidRegistry.open(stateDir, table);
    const result = await registry.reapOrphans();
    registry.dispose();
    assert.equal(result.reaped, 0);
    assert.ok(isRunning(member) && readProc(member)?.startTicks === memberId.startTicks, 'the group member is alive');
  });

  it('a genuine orphan group (its leader alive, recorded by a dead helper) is still reaped, member included', async () => {
    const stateDir = tempDir('genuine');
    const dir = join(stateDir, 'registry');
    mkdirSync(dir, { mode: 0o700 });
    const script = `require('child_process').spawn(process.execPath,['-e','${IDLE}'],{stdio:'ignore'});${IDLE}`;
    const leader = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
    leader.unref();
    started.add(leader.pid!);
    const member = await waitFor('the member', () => listProcs().find((p) => p.ppid === leader.pid)?.pid, 10_000);
    started.add(member);
    const id = await identity(leader.pid!);
    const owner = await deadIdentity();
    registryFile(dir, owner, [entry(id.pid, id.startTicks, owner)]);
    const registry = await PidRegistry.open(stateDir, table);
    const result = await registry.reapOrphans();
    registry.dispose();
    assert.deepEqual(result.pids, [id.pid]);
    await waitFor('both gone', () => !isRunning(id.pid) && !isRunning(member), 10_000);
  });

  it('the control socket is 0600 in a 0700 dir, and another user cannot connect to it', { skip: !asRoot && 'needs root to switch user' }, async () => {
    const stateDir = tempDir('socket');
    const server = await startControlServer(stateDir, { startedBy: 'cli', workspace: null }, () => ({ dispose() {} }));
    try {
      assert.equal(statSync(server.path).mode & 0o777, 0o600);
      assert.equal(statSync(stateDir).mode & 0o777, 0o700);
      const probe = `require('net').connect(${JSON.stringify(server.path)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(1)})`;
      const r = spawnSync(process.execPath, ['-e', probe], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.stdout.trim(), 'EACCES', r.stderr);
      // Even with a traversable dir, the socket file's mode alone stops another user.
      chmodSync(stateDir, 0o711);
      const r2 = spawnSync(process.execPath, ['-e', probe], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 10_000 });
      assert.equal(r2.stdout.trim(), 'EACCES', r2.stderr);
    } finally {
      server.dispose();
    }
  });
});
