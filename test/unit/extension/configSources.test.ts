// Unit tests: Which config files and settings reach the helper (Warden's files, never VS Code's mcp.json), and Add Server's file edits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addServerToConfigText,
  collectConfigFiles,
  expandConfigPath,
  readWardenSettings,
  splitCommandLine,
  validateServerName,
} from '../../../src/extension/configSources';
import { parseJsonc } from '../../../src/shared/jsonc';

const base = {
  folders: [
    { name: 'a', fsPath: '/ws/a' },
    { name: 'b', fsPath: '/ws/b' },
  ],
  trusted: true,
  configFiles: [] as string[],
  homeDir: '/home/u',
  env: { CFG: '/etc/mcp' },
  exists: (p: string) => p !== '/ws/b/.vscode/mcp-warden.json',
};

describe('config source collection', () => {
  it("sends each folder's existing .vscode/mcp-warden.json as a workspace file carrying the trust state, never VS Code's mcp.json", () => {
    assert.deepEqual(collectConfigFiles({ ...base, trusted: false }), [{ path: '/ws/a/.vscode/mcp-warden.json', origin: 'workspace', workspaceFolder: '/ws/a', trusted: false }]);
    assert.ok(!collectConfigFiles({ ...base, exists: () => true }).some((r) => r.path.endsWith('/mcp.json')));
  });
  it("sends Warden's user config, when it exists, as a trusted user file (also in an untrusted workspace)", () => {
    const refs = collectConfigFiles({ ...base, trusted: false, userConfig: '/home/u/.config/mcp-warden/servers.json' });
    assert.deepEqual(refs.map((r) => [r.path, r.origin, r.trusted]), [
      ['/ws/a/.vscode/mcp-warden.json', 'workspace', false],
      ['/home/u/.config/mcp-warden/servers.json', 'user', true],
    ]);
    assert.equal(collectConfigFiles({ ...base, userConfig: '/nope/servers.json', exists: (p) => p !== '/nope/servers.json' }).filter((r) => r.origin === 'user').length, 0);
  });
  it('adds mcpWarden.configFiles as trusted user files, expanded and deduplicated', () => {
    const refs = collectConfigFiles({ ...base, configFiles: ['~/claude.json', '${env:CFG}/x.json', 'rel/c.json', '/ws/a/.vscode/mcp-warden.json', '~/claude.json'] });
    assert.deepEqual(refs.map((r) => [r.path, r.origin, r.trusted]), [
      ['/ws/a/.vscode/mcp-warden.json', 'workspace', true],
      ['/home/u/claude.json', 'user', true],
      ['/etc/mcp/x.json', 'user', true],
      ['/ws/a/rel/c.json', 'user', true],
    ]);
    // Shared by every window in the one engine: no window's folder is a user file's ${workspaceFolder} or cwd.
    assert.ok(refs.filter((r) => r.origin === 'user').every((r) => r.workspaceFolder === undefined));
  });
  it('skips a path that needs a workspace folder when none is open', () => {
    assert.equal(expandConfigPath('${workspaceFolder}/m.json', undefined, '/h', {}), null);
    assert.equal(expandConfigPath('relative.json', undefined, '/h', {}), null);
    assert.equal(expandConfigPath('${userHome}/m.json', undefined, '/h', {}), '/h/m.json');
  });
});

describe('settings', () => {
  it('passes caps within bounds and names the ones outside', () => {
    const values: Record<string, unknown> = { memoryLimit: 2048, warnThreshold: 500, memoryAction: 'explode', sampleInterval: 1000 };
    const r = readWardenSettings((k) => values[k]);
    assert.deepEqual(r.settings, { memoryLimitMB: 2048, sampleIntervalMs: 1000 });
    assert.equal(r.problems.length, 2);
    assert.match(r.problems[0]!, /mcpWarden\.warnThreshold must be a number from 1 to 100 \(got 500\)/);
  });
  it("reads a setting's old, unit-suffixed name while the new one is not set", () => {
    const set: Record<string, unknown> = { memoryLimitMB: 640, requestTimeout: 5000, requestTimeoutMs: 9000 };
    const r = readWardenSettings((k) => set[k] ?? (k === 'memoryLimit' ? 1024 : undefined), (k) => k in set);
    assert.equal(r.settings.memoryLimitMB, 640);
    assert.equal(r.settings.requestTimeoutMs, 5000, 'the new name wins when both are set');
  });
});

describe('Add Server', () => {
  const entry = { type: 'stdio' as const, command: 'npx', args: ['-y', 'pkg'] };
  it('creates a valid mcp.json when the file is missing', () => {
    const text = addServerToConfigText(null, 'everything', entry);
    assert.deepEqual(JSON.parse(text), { servers: { everything: entry } });
  });
  it('adds to an existing file and keeps its comments', () => {
    const before = '{\n  // my servers\n  "servers": {\n    "a": { "command": "x" } // first\n  },\n  "inputs": []\n}\n';
    const after = addServerToConfigText(before, 'b', entry);
    assert.match(after, /\/\/ my servers/);
    assert.match(after, /\/\/ first/);
    assert.deepEqual(parseJsonc(after), { servers: { a: { command: 'x' }, b: entry }, inputs: [] });
  });
  it('adds "servers" to a file that has none, and writes into "mcpServers" in a Claude-style file', () => {
    assert.deepEqual(parseJsonc(addServerToConfigText('{ "inputs": [] }', 'b', entry)), { inputs: [], servers: { b: entry } });
    assert.deepEqual(parseJsonc(addServerToConfigText('{"mcpServers": {}}', 'b', entry)), { mcpServers: { b: entry } });
  });
  it('refuses a duplicate name and a broken file', () => {
    assert.throws(() => addServerToConfigText('{"servers": {"b": {}}}', 'b', entry), /already exists/);
    assert.throws(() => addServerToConfigText('{"servers": ', 'b', entry), /not valid JSON/);
  });
  it('splits a command line like a shell, without expansion', () => {
    assert.deepEqual(splitCommandLine(`npx -y "@scope/pkg name" 'a b' c\\ d $HOME`), ['npx', '-y', '@scope/pkg name', 'a b', 'c d', '$HOME']);
    assert.deepEqual(splitCommandLine('  '), []);
    assert.throws(() => splitCommandLine('node "x'), /unterminated/);
  });
  it('accepts names usable as ids only', () => {
    assert.equal(validateServerName('my-server.1'), null);
    assert.notEqual(validateServerName('has space'), null);
    assert.notEqual(validateServerName(''), null);
  });
});

describe('JSON with comments', () => {
  it('keeps "//" inside strings and drops real comments and trailing commas', () => {
    assert.deepEqual(parseJsonc('{"u": "http://x/*y*/", /* c */ "a": [1, 2,], // end\n}'), { u: 'http://x/*y*/', a: [1, 2] });
  });
  it('adds a server after a last entry followed by a comment and a trailing comma', () => {
    const before = '{\n  "servers": {\n    "a": {"command": "x"}, // keep\n  }\n}';
    const after = addServerToConfigText(before, 'b', { type: 'stdio', command: 'y', args: [] });
    assert.match(after, /\/\/ keep/);
    assert.deepEqual(Object.keys((parseJsonc(after) as { servers: object }).servers), ['a', 'b']);
  });
});
