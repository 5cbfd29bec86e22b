// Unit tests: processes as the real parent → child tree, and tree-row text (sources, processes, tools).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProcessTree, flattenProcessTree } from '../../../src/extension/present/processTree';
import { groupBySource, processRow, sourceLabel, toolRow } from '../../../src/extension/views/treePresent';

const p = (pid: number, ppid: number, command = `cmd${pid}`) => ({ pid, ppid, command, rssBytes: 1024 * 1024 });

describe('process tree', () => {
  it('puts every child under its parent, whatever order the sample listed them in', () => {
    // The server (10), its child 12, a grandchild 11 listed first, and a setsid child reparented to init (20).
    const order = flattenProcessTree(buildProcessTree([p(10, 1), p(11, 12), p(20, 1), p(12, 10), p(13, 10)])).map((n) => [n.process.pid, n.depth]);
    assert.deepEqual(order, [[10, 0], [12, 1], [11, 2], [13, 1], [20, 0]]);
  });
  it('survives a ppid cycle in a torn read', () => {
    assert.equal(flattenProcessTree(buildProcessTree([p(1, 2), p(2, 1)])).length, 2);
  });
});

describe('tree rows', () => {
  it('groups servers by config source, workspace files first', () => {
    const g = groupBySource([
      { name: 'a', source: 'settings', origin: 'settings' },
      { name: 'b', source: '/ws/.vscode/mcp.json', origin: 'workspace' },
      { name: 'c', source: '/home/u/.cursor/mcp.json', origin: 'user' },
      { name: 'd', source: '/ws/.vscode/mcp.json', origin: 'workspace' },
    ]);
    assert.deepEqual(g.map((x) => [x.source, x.names]), [['/ws/.vscode/mcp.json', ['b', 'd']], ['/home/u/.cursor/mcp.json', ['c']], ['settings', ['a']]]);
  });
  it('labels sources relative to their folder or home', () => {
    const folders = [{ name: 'app', fsPath: '/ws' }];
    assert.deepEqual(sourceLabel('/ws/.vscode/mcp.json', folders, '/home/u'), { label: '.vscode/mcp.json', description: 'app' });
    assert.deepEqual(sourceLabel('/home/u/.cursor/mcp.json', folders, '/home/u'), { label: 'mcp.json', description: '~/.cursor' });
    assert.equal(sourceLabel('settings', folders, '/home/u').label, 'User Settings');
  });
  it('reads a process row as its command with pid and memory, and an accessible label', () => {
    const r = processRow(p(42, 1, '/usr/bin/node /x/leaky.mjs'));
    assert.deepEqual([r.label, r.description, r.accessibleLabel], ['node leaky.mjs', 'pid 42 · 1 MB', 'Process 42, node leaky.mjs, 1 MB']);
  });
  it('marks a tool of a stopped server as cached, and lists its parameters with descriptions', () => {
    const tool = { name: 'search', description: 'Find things', inputSchema: { type: 'object', properties: { q: { type: 'string', description: 'what to find' } }, required: ['q'] } };
    const r = toolRow('srv', tool, true);
    assert.equal(r.description, 'cached · Find things');
    assert.match(r.accessibleLabel, /^Tool search of srv, cached/);
    assert.match(r.tooltip, /q \\\(string, required\\\): what to find/);
  });
});
