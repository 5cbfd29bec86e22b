// Containment's pure parts: mount and /proc/self/cgroup parsing, the check that a registry's recorded cgroup paths
// are a dead engine's own containers (forged ones are refused), kernel limits from caps, and the PSS meter's budget.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { validateRecordedPaths } from '../../../src/helper/containment/cgroupBackend';
import { parseMountinfo, parseProcCgroup, safeName } from '../../../src/helper/containment/cgroupFs';
import { kernelLimits, PIDS_MAX_FLOOR } from '../../../src/helper/containment/limits';
import { PssMeter } from '../../../src/helper/sampling/pss';
import type { ProcessEntry } from '../../../src/helper/sampling/types';
import { DEFAULT_SERVER_CAPS } from '../../../src/shared/config';

const MOUNTINFO = `24 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755
25 24 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
26 24 0:24 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
27 24 0:25 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
28 24 0:26 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
29 24 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct`;

const MOUNTS = parseMountinfo(MOUNTINFO);

describe('cgroup filesystem parsing', () => {
  it('finds the cgroup2 mount and the v1 memory, pids and freezer hierarchies', () => {
    assert.equal(MOUNTS.v2, '/sys/fs/cgroup/unified');
    assert.deepEqual(MOUNTS.v1, { memory: '/sys/fs/cgroup/memory', pids: '/sys/fs/cgroup/pids', freezer: '/sys/fs/cgroup/freezer' });
    assert.deepEqual(parseMountinfo('36 1 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw'), { v2: '/sys/fs/cgroup', v1: {} });
  });

  it('reads the engine\'s own cgroup per hierarchy', () => {
    const own = parseProcCgroup('9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/user.slice/a.scope\n');
    assert.equal(own.get(''), '/user.slice/a.scope');
    assert.equal(own.get('memory'), '/process_api/abc');
    assert.equal(own.get('cpuacct'), '/x');
  });

  it('makes any server name a safe directory name', () => {
    assert.ok(!safeName('../../etc').includes('/') && !safeName('../../etc').startsWith('.'));
    assert.equal(safeName('my server/1'), 'my_server_1');
    assert.equal(safeName(''), 'server');
    assert.ok(safeName('x'.repeat(500)).length <= 48);
  });
});

describe('recorded cgroup paths (registry)', () => {
  const tag = '4242-99';
  it('accepts the dead engine\'s own containers in every hierarchy', () => {
    const dirs = validateRecordedPaths([
      '/sys/fs/cgroup/unified/mcp-warden/4242-99/srv-1',
      '/sys/fs/cgroup/memory/process_api/abc/mcp-warden/4242-99/srv-1',
      '/sys/fs/cgroup/pids/mcp-warden/4242-99/srv-1',
    ], MOUNTS, tag);
    assert.ok(Array.isArray(dirs));
    assert.deepEqual(dirs.map((d) => d.role), ['v2', 'v1-memory', 'v1-pids']);
  });

  it('refuses forged paths: another engine\'s, a system cgroup, traversal, outside any mount, not a list', () => {
    for (const bad of [
      ['/sys/fs/cgroup/unified/mcp-warden/1-1/srv-1'],
      ['/sys/fs/cgroup/unified/system.slice/sshd.service'],
      ['/sys/fs/cgroup/unified/mcp-warden/4242-99/../../system.slice'],
      ['/sys/fs/cgroup/unified/mcp-warden/4242-99/srv-1/../../../init.scope/mcp-warden/4242-99/x'],
      ['/tmp/mcp-warden/4242-99/srv-1'],
      [42],
    ]) {
      const r = validateRecordedPaths(bad, MOUNTS, tag);
      assert.ok(!Array.isArray(r), `accepted ${JSON.stringify(bad)}`);
    }
    assert.ok(!Array.isArray(validateRecordedPaths('/sys/fs/cgroup/unified/mcp-warden/4242-99/srv-1', MOUNTS, tag)));
  });
});

describe('kernel limits from caps', () => {
  it('puts memory.max a little above the policy limit and pids.max at 16 tasks per allowed process', () => {
    const l = kernelLimits({ ...DEFAULT_SERVER_CAPS, memoryLimitMB: 1024, maxChildren: 64 });
    assert.equal(l.memoryMaxBytes, (1024 + 128) * 2 ** 20);
    assert.equal(l.pidsMax, 65 * 16);
    assert.equal(kernelLimits({ ...DEFAULT_SERVER_CAPS, memoryLimitMB: 64 }).memoryMaxBytes, (64 + 32) * 2 ** 20);
  });

  it('sets no kernel memory limit for memoryAction "warn", and leaves a runtime room for its threads', () => {
    assert.equal(kernelLimits({ ...DEFAULT_SERVER_CAPS, memoryAction: 'warn' }).memoryMaxBytes, 0);
    assert.equal(kernelLimits({ ...DEFAULT_SERVER_CAPS, maxChildren: 0 }).pidsMax, PIDS_MAX_FLOOR);
  });
});

function entry(pid: number, rssMB: number, startTime = 1): ProcessEntry {
  return { pid, ppid: 1, pgid: pid, sid: pid, rssBytes: rssMB * 2 ** 20, startTime, command: 'x', state: 'S' };
}

describe('PSS meter', () => {
  it('reads within its budget at the sample\'s end, most uncertain first across trees, and tracks RSS drift', () => {
    const pss = new Map([[1, 10], [2, 20], [3, 30]]);
    let reads = 0;
    // Each read costs 1 ms on the meter's clock; the budget (1.5 ms) admits two reads per sample.
    let clock = 0;
    const meter = new PssMeter(1.5, (pid) => {
      reads++;
      clock += 1;
      return (pss.get(pid) ?? 0) * 2 ** 20;
    }, () => clock);
    const far = Number.MAX_SAFE_INTEGER;
    // Three single-process trees (three servers): the budget must not go to the first tree every time.
    const sample = (now: number, rss = [40, 40, 40]) => {
      meter.beginSample();
      const t = [1, 2, 3].map((pid, i) => meter.treeBytes([entry(pid, rss[i]!)], far, now) / 2 ** 20);
      meter.endSample();
      return t;
    };
    assert.deepEqual(sample(0), [40, 40, 40], 'unread: RSS, an upper bound');
    assert.equal(reads, 2, 'two reads fit the budget, at the end of the sample');
    const second = sample(2000);
    assert.equal(second.filter((x) => x === 40).length, 1, 'one tree still unread');
    assert.equal(reads, 3, 'the unread one is read next, not a fresh one again');
    assert.deepEqual(sample(4000), [10, 20, 30]);
    // A leak shows at once: RSS growth adds to the last PSS without a read.
    reads = 0;
    assert.deepEqual(sample(6000, [42, 40, 40]), [12, 20, 30]);
    assert.equal(reads, 0);
    // A reused pid (another start time) is not taken for the process we read; gone processes are forgotten.
    meter.beginSample();
    meter.treeBytes([entry(1, 40, 7)], far, 8000);
    meter.endSample();
    assert.equal(meter.size, 1, 'only the live process is cached');
  });

  it('reads a tree near its limit now, whatever the budget, until its figure is exact or below the threshold', () => {
    let reads = 0;
    const meter = new PssMeter(0, () => {
      reads++;
      return 2 ** 20;
    });
    meter.beginSample();
    const below = meter.treeBytes([entry(1, 10), entry(2, 10)], 100 * 2 ** 20, 0);
    assert.equal(reads, 0, 'no budget, far from the limit: no read');
    assert.equal(below, 20 * 2 ** 20, 'RSS where unread');
    // 120 MB of RSS against a 100 MB threshold: one read (1 MB + 60 MB unread = 61 MB) is enough to be below.
    const near = meter.treeBytes([entry(3, 60), entry(4, 60)], 100 * 2 ** 20, 0);
    assert.equal(reads, 1);
    assert.equal(near, 61 * 2 ** 20);
    meter.endSample();
    assert.equal(reads, 1, 'no budget left for the rest');
  });
});
