// Unit tests: the agent sockets of dead helpers are removed from the state dir; a live helper's, our own and
// anything that is not a plain file or socket stay (src/helper/endpoints/windowSockets.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeDeadWindowSockets } from '../../../src/helper/endpoints/windowSockets';

const dir = mkdtempSync(join(tmpdir(), 'mcp-warden-winsock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('removeDeadWindowSockets', () => {
  it('removes only the dead helpers\' mcp-<pid>.sock', () => {
    // A pid that was alive a moment ago and is gone now.
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(dir, `mcp-${dead}.sock`), '');
    writeFileSync(join(dir, `mcp-${process.ppid}.sock`), ''); // a live process (our parent)
    writeFileSync(join(dir, 'mcp-123456789.sock'), ''); // no such pid: removed too
    writeFileSync(join(dir, `control-${dead}.sock`), ''); // not ours to judge
    mkdirSync(join(dir, 'mcp-999999998.sock'));
    symlinkSync('/etc/hostname', join(dir, 'mcp-999999997.sock'));
    assert.equal(removeDeadWindowSockets(dir, 42), 2);
    assert.deepEqual(readdirSync(dir).sort(), [`control-${dead}.sock`, `mcp-${process.ppid}.sock`, 'mcp-999999997.sock', 'mcp-999999998.sock'].sort());
    assert.ok(existsSync('/etc/hostname'), 'a symlink target is never touched');
  });

  it('keeps its own socket even when asked with its own pid, and a missing dir is nothing to do', () => {
    writeFileSync(join(dir, 'mcp-77.sock'), '');
    assert.equal(removeDeadWindowSockets(dir, 77), 0);
    assert.equal(removeDeadWindowSockets(join(dir, 'nope')), 0);
  });
});
