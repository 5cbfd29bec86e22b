// Config loading: both file formats, caps at three levels, variable expansion, and bad entries skipped with reasons.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/helper/config/loadConfig';
import { parseDotenv } from '../../../src/helper/config/variables';
import { evaluateCaps, growthMBPerMin, restartDecision } from '../../../src/helper/supervisor/caps';
import { DEFAULT_SERVER_CAPS } from '../../../src/shared/config';
import { tempDir } from '../../support/fixtures';

function file(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('config loading', () => {
  it("reads VS Code's mcp.json with comments and Claude Desktop's mcpServers, with caps at file and server level", () => {
    const dir = tempDir('cfg');
    process.env.WARDEN_TEST_TOKEN = 'secret';
    const vscode = file(dir, 'mcp.json', `{
      // comments and trailing commas are fine
      "warden": { "memoryLimitMB": 256, "sampleIntervalMs": 500 },
      "servers": {
        "a": { "type": "stdio", "command": "node", "args": ["\${workspaceFolder}/x.js", "//not-a-comment"], "env": { "TOKEN": "\${env:WARDEN_TEST_TOKEN}" } },
        "b": { "command": "uvx", "args": ["thing"], "warden": { "memoryLimitMB": 64, "memoryAction": "kill" } },
      },
    }`);
    const claude = file(dir, 'claude.json', JSON.stringify({ mcpServers: { c: { command: 'npx', args: ['-y', 'pkg'] } } }));
    const r = loadConfig({ files: [{ path: vscode, origin: 'workspace', trusted: true, workspaceFolder: '/ws' }, { path: claude, origin: 'user', trusted: true }], autoStart: false });
    assert.deepEqual(r.problems, []);
    const [a, b, c] = r.servers.map((s) => s.spec);
    assert.deepEqual(a!.args, ['/ws/x.js', '//not-a-comment']);
    assert.equal(a!.env.TOKEN, 'secret');
    assert.equal(a!.caps.memoryLimitMB, 256);
    assert.equal(b!.caps.memoryLimitMB, 64);
    assert.equal(b!.caps.memoryAction, 'kill');
    assert.equal(c!.caps.memoryLimitMB, DEFAULT_SERVER_CAPS.memoryLimitMB);
    assert.equal(r.settings.sampleIntervalMs, 500);
  });

  it('skips bad entries with the file, name and reason, and keeps the good ones', () => {
    const dir = tempDir('cfg-bad');
    const p = file(dir, 'mcp.json', JSON.stringify({
      warden: { memoryLimitMB: 'lots' },
      servers: {
        good: { command: 'node' },
        noCommand: { args: [] },
        badArgs: { command: 'node', args: 'x' },
        badCap: { command: 'node', warden: { maxChildren: -1, bogus: 1 } },
        remote: { type: 'http', url: 'https://example.invalid' },
        input: { command: 'node', args: ['${input:token}'] },
      },
    }));
    const r = loadConfig({ files: [{ path: p, origin: 'user', trusted: true }], autoStart: false });
    assert.deepEqual(r.servers.map((s) => s.spec.name), ['good']);
    const text = r.problems.map((x) => `${x.server}: ${x.message}`).join('\n');
    assert.match(text, /"warden.memoryLimitMB" must be a number from 16/);
    assert.match(text, /noCommand: .*"command" must be a non-empty string/);
    assert.match(text, /badArgs: .*"args" must be an array of strings/);
    assert.match(text, /badCap: .*maxChildren/);
    assert.match(text, /badCap: .*unknown cap "warden.bogus"/);
    assert.match(text, /remote: .*only local stdio servers/);
    assert.match(text, /input: .*\$\{input:token\} is not supported/);
    assert.ok(r.problems.every((x) => x.source === p));
  });

  it('reports an unreadable or malformed file as one problem, and blocks untrusted workspace servers', () => {
    const dir = tempDir('cfg-file');
    const broken = file(dir, 'broken.json', '{ "servers": ');
    const untrusted = file(dir, 'mcp.json', JSON.stringify({ servers: { w: { command: 'node' } } }));
    const r = loadConfig({ files: [{ path: broken, origin: 'user', trusted: true }, { path: join(dir, 'missing.json'), origin: 'user', trusted: true }, { path: untrusted, origin: 'workspace', trusted: false }], autoStart: false });
    assert.equal(r.problems.length, 2);
    assert.match(r.problems[0]!.message, /not valid JSON/);
    assert.match(r.problems[1]!.message, /file not found/);
    assert.match(r.servers[0]!.blocked ?? '', /not trusted/);
  });

  it('parses dotenv files', () => {
    assert.deepEqual(parseDotenv('# c\nA=1\nexport B="two words"\nC=three # trailing\n\nbad line'), { A: '1', B: 'two words', C: 'three' });
  });
});

describe('cap policies', () => {
  const caps = { ...DEFAULT_SERVER_CAPS, memoryLimitMB: 100, warnAtPercent: 80, maxChildren: 10, memoryGrowthMBPerMin: 60 };
  it('warns at warnAtPercent and decides the memory action over the limit', () => {
    assert.equal(evaluateCaps('s', caps, 50 * 2 ** 20, 0, [], 0).decision, null);
    assert.equal(evaluateCaps('s', caps, 85 * 2 ** 20, 0, [], 0).warnings[0]!.code, 'MEMORY_WARN');
    const over = evaluateCaps('s', caps, 130 * 2 ** 20, 0, [], 0).decision!;
    assert.equal(over.kind, 'memory-over');
    assert.match(over.message, /`s` exceeded 100 MB \(130 MB\) and was restarted/);
  });
  it('kills on too many children before looking at memory', () => {
    assert.equal(evaluateCaps('s', caps, 500 * 2 ** 20, 11, [], 0).decision!.kind, 'children-over');
  });
  it('sees sustained growth only over enough history', () => {
    const history = Array.from({ length: 15 }, (_, i) => ({ t: i * 1000, rssBytes: (10 + i * 2) * 2 ** 20, children: 0 }));
    assert.ok(Math.abs(growthMBPerMin(history, 14_000)! - 120) < 1);
    assert.equal(growthMBPerMin(history.slice(0, 3), 2000), null);
    assert.equal(evaluateCaps('s', caps, 40 * 2 ** 20, 0, history, 14_000).warnings[0]!.code, 'MEMORY_GROWTH');
  });
  it('allows maxRestarts within the window with growing backoff, then gives up', () => {
    const c = { ...caps, maxRestarts: 3, restartWindowSec: 60 };
    assert.deepEqual(restartDecision(c, [], 0), { allowed: true, delayMs: 250, inWindow: 0 });
    assert.equal(restartDecision(c, [1000, 2000], 3000).delayMs, 1000);
    assert.equal(restartDecision(c, [1000, 2000, 3000], 4000).allowed, false);
    assert.equal(restartDecision(c, [1000, 2000, 3000], 70_000).allowed, true);
  });
});
