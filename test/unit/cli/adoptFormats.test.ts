// adopt's pieces on their own: TOML span edits (comments and formatting kept byte for byte), JSON edits, the diff,
// names and collisions, translation of each client's variables, and every client's file locations per platform.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { clientFiles } from '../../../src/cli/adopt/clients';
import { unifiedDiff, redact } from '../../../src/cli/adopt/diff';
import { rewriteEntries } from '../../../src/cli/adopt/entryEdits';
import { formattingOf, setJsonValue } from '../../../src/cli/adopt/jsonEdit';
import { pickName, sanitizeName } from '../../../src/cli/adopt/naming';
import { editTomlServers, scanToml, TomlEditError } from '../../../src/cli/adopt/tomlEdit';
import { translateEntry } from '../../../src/cli/adopt/translate';
import { CLIENT_IDS, type LocateContext } from '../../../src/cli/adopt/types';
import { reachesWarden } from '../../../src/cli/adopt/wardenEntry';

const launcher = { node: '/opt/node/bin/node', cli: '/opt/mcp-warden/dist/cli.js' };
const REMOVE = ['env', 'cwd', 'envFile', 'env_vars', 'warden'];

describe('adopt: TOML edits', () => {
  const codex = [
    '# Codex config — ünïcode comment ✓',
    'model = "o3"   # trailing comment',
    '',
    '[mcp_servers.docs]',
    '# the docs server',
    'command = "npx"  # runs npx',
    'args = [',
    '  "-y", # a comment inside the array',
    '  "[not a header]",',
    '  \'\'\'multi',
    '[line] literal\'\'\',',
    ']',
    'env = { TOKEN = "abc" }',
    'startup_timeout_sec = 20',
    '',
    '[mcp_servers.docs.env]',
    'OTHER = "x"',
    '',
    '# about the next table',
    '[mcp_servers."quoted name"]',
    'command = "uvx"',
    '',
    '[profiles.fast]',
    'model = "o4-mini"',
    'when = 1979-05-27 07:32:00Z',
    '',
  ].join('\n');

  it('rewrites command and args in place and removes the process keys; every other byte is unchanged', () => {
    const out = editTomlServers(codex, [
      { name: 'docs', command: launcher.node, args: [launcher.cli, 'connect', 'docs'], removeKeys: REMOVE },
      { name: 'quoted name', command: launcher.node, args: [launcher.cli, 'connect', 'quoted-name'], removeKeys: REMOVE },
    ]);
    const doc = parseToml(out) as Record<string, any>;
    assert.deepEqual(JSON.parse(JSON.stringify(doc.mcp_servers.docs)), { command: launcher.node, args: [launcher.cli, 'connect', 'docs'], startup_timeout_sec: 20 });
    assert.deepEqual(doc.mcp_servers['quoted name'].args, [launcher.cli, 'connect', 'quoted-name']);
    assert.equal(doc.profiles.fast.model, 'o4-mini');
    // Comments and formatting outside the rewritten values survive exactly.
    for (const line of ['# Codex config — ünïcode comment ✓', 'model = "o3"   # trailing comment', '# the docs server', '# about the next table', 'when = 1979-05-27 07:32:00Z']) {
      assert.ok(out.includes(line), line);
    }
    assert.ok(out.includes(`command = "${launcher.node}"  # runs npx`), 'the comment after the value stays');
    assert.ok(!out.includes('OTHER'), 'the env sub-table is gone');
    assert.ok(out.startsWith(codex.slice(0, codex.indexOf('[mcp_servers.docs]'))));
    assert.ok(out.endsWith(codex.slice(codex.indexOf('[profiles.fast]'))));
  });

  it('keeps CRLF line endings, and inserts args when the table has none', () => {
    const text = '[mcp_servers.a]\r\ncommand = "x"\r\n\r\n[other]\r\nk = 1\r\n';
    const out = editTomlServers(text, [{ name: 'a', command: 'n', args: ['c', 'connect', 'a'], removeKeys: REMOVE }]);
    assert.equal(out, '[mcp_servers.a]\r\ncommand = "n"\r\nargs = [ "c", "connect", "a" ]\r\n\r\n[other]\r\nk = 1\r\n');
  });

  it('refuses servers defined with dotted keys or inline tables instead of guessing', () => {
    assert.throws(() => editTomlServers('mcp_servers.a.command = "x"\n', [{ name: 'a', command: 'n', args: [], removeKeys: REMOVE }]), TomlEditError);
    assert.throws(() => editTomlServers('[mcp_servers]\na = { command = "x" }\n', [{ name: 'a', command: 'n', args: [], removeKeys: REMOVE }]), TomlEditError);
  });

  it('scans multi-line strings with quotes and brackets inside', () => {
    const stmts = scanToml('a = """x ] [ "" y"""\nb = \'\'\'\n[z]\n\'\'\'\n[t]\n');
    assert.deepEqual(stmts.map((s) => s.kind), ['keyvalue', 'keyvalue', 'header']);
  });
});

describe('adopt: JSON edits', () => {
  it('keeps comments, tabs and CRLF when a value changes', () => {
    const text = '{\r\n\t// servers\r\n\t"mcpServers": {\r\n\t\t"a": { "command": "x", "env": { "K": "v" } }, // after\r\n\t},\r\n}\r\n';
    const fmt = formattingOf(text);
    assert.deepEqual(fmt, { insertSpaces: false, tabSize: 1, eol: '\r\n' });
    let out = setJsonValue(text, ['mcpServers', 'a', 'command'], 'node', fmt);
    out = setJsonValue(out, ['mcpServers', 'a', 'env'], undefined, fmt);
    assert.ok(out.includes('\t// servers\r\n') && out.includes('// after\r\n') && !out.includes('env'));
    assert.ok(!/[^\r]\n/.test(out), 'no bare LF was introduced');
  });
});

describe('adopt: JSON property removal keeps the hand-written layout', () => {
  it('removes a first, middle or last property with one comma and its line', () => {
    const text = [
      '{',
      '  "a": {"type": "stdio", "command": "npx", "args": ["-y", "x"], "env": {}},',
      '  "b": {',
      '    "command": "x", // the command',
      '    "env": {',
      '      "A": "1"',
      '    },',
      '    "cwd": "/tmp"',
      '  },',
      '  "c": {"env": {"A": "b"}, "command": "y", "cwd": "/"}',
      '}',
      '',
    ].join('\n');
    const fmt = formattingOf(text);
    let out = text;
    for (const [name, key] of [['a', 'env'], ['b', 'env'], ['b', 'cwd'], ['c', 'env'], ['c', 'cwd']] as const) out = setJsonValue(out, [name, key], undefined, fmt);
    out = setJsonValue(out, ['a', 'args'], ['cli.js', 'connect', 'a'], fmt);
    assert.equal(out, [
      '{',
      '  "a": {"type": "stdio", "command": "npx", "args": ["cli.js", "connect", "a"]},',
      '  "b": {',
      '    "command": "x" // the command',
      '  },',
      '  "c": {"command": "y"}',
      '}',
      '',
    ].join('\n'));
  });
});

describe('adopt: all of a file\'s entry rewrites from one parse', () => {
  it('takes keys out with one comma and their lines, replaces command and args in their own layout, adds args inline', () => {
    const text = [
      '{',
      '  "a": {"type": "stdio", "command": "npx", "args": ["-y", "x"], "env": {}},',
      '  "b": {',
      '    "command": "x", // the command',
      '    "env": {',
      '      "A": "1"',
      '    },',
      '    "cwd": "/tmp"',
      '  },',
      '  "c": {"env": {"A": "b"}, "command": "y", "cwd": "/",},',
      '  "d": {',
      '    "command": "npx",',
      '    "args": [',
      '      "-y",',
      '      "x"',
      '    ],',
      '    "envFile": ".env"',
      '  }',
      '}',
      '',
    ].join('\r\n');
    const rw = (name: string) => ({ path: [name], removeKeys: REMOVE, command: 'node', args: ['cli.js', 'connect', name] });
    const out = rewriteEntries(text, ['a', 'b', 'c', 'd'].map(rw), '\r\n');
    assert.equal(out, [
      '{',
      '  "a": {"type": "stdio", "command": "node", "args": ["cli.js", "connect", "a"]},',
      '  "b": {',
      '    "command": "node", "args": ["cli.js", "connect", "b"] // the command',
      '  },',
      '  "c": {"command": "node", "args": ["cli.js", "connect", "c"]},',
      '  "d": {',
      '    "command": "node",',
      '    "args": [',
      '      "cli.js",',
      '      "connect",',
      '      "d"',
      '    ]',
      '  }',
      '}',
      '',
    ].join('\r\n'));
    assert.equal(rewriteEntries(text, [{ ...rw('a'), path: ['missing'] }], '\n'), null);
  });
});

describe('adopt: diff', () => {
  it('prints a unified diff with context, removals before additions', () => {
    const a = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n';
    const b = 'one\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\n';
    assert.equal(unifiedDiff(a, b, 'a', 'b', 2), '--- a\n+++ b\n@@ -2,5 +2,5 @@\n two\n three\n-four\n+FOUR\n five\n six\n');
    assert.equal(unifiedDiff(a, a, 'a', 'b'), '');
    assert.equal(unifiedDiff('', 'x\n', '/dev/null', 'b'), '--- /dev/null\n+++ b\n@@ -0,0 +1,1 @@\n+x\n');
  });

  /** Applies a unified diff to `a` (a tiny patch): what the printed diff says must turn `a` into `b`. */
  function patch(a: string, diff: string): string {
    const src = a ? a.replace(/\n$/, '').split('\n') : [];
    const out: string[] = [];
    let pos = 0;
    for (const line of diff.split('\n').slice(2)) {
      const h = /^@@ -(\d+),(\d+) /.exec(line);
      if (h) {
        const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
        while (pos < start) out.push(src[pos++]!);
      } else if (line.startsWith(' ')) { assert.equal(src[pos], line.slice(1)); out.push(src[pos++]!); }
      else if (line.startsWith('-')) { assert.equal(src[pos], line.slice(1)); pos++; }
      else if (line.startsWith('+')) out.push(line.slice(1));
    }
    while (pos < src.length) out.push(src[pos++]!);
    return out.length ? `${out.join('\n')}\n` : '';
  }

  it('is a correct patch for random edits, and stays small for a few changes in a large file', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 300; round++) {
      const a = Array.from({ length: rnd(30) }, () => `l${rnd(6)}`);
      const b = [...a];
      for (let e = rnd(6); e > 0; e--) {
        const op = rnd(3);
        if (op === 0) b.splice(rnd(b.length + 1), 0, `n${rnd(6)}`);
        else if (op === 1 && b.length) b.splice(rnd(b.length), 1);
        else if (b.length) b[rnd(b.length)] = `c${rnd(6)}`;
      }
      const at = a.length ? `${a.join('\n')}\n` : '';
      const bt = b.length ? `${b.join('\n')}\n` : '';
      assert.equal(patch(at, unifiedDiff(at, bt, 'a', 'b', rnd(4))), bt, `round ${round}`);
    }
    const big = Array.from({ length: 20000 }, (_, i) => `  "line${i}": ${i},`);
    const edited = [...big];
    for (const i of [100, 9000, 19990]) edited[i] = `  "line${i}": "changed",`;
    const d = unifiedDiff(`${big.join('\n')}\n`, `${edited.join('\n')}\n`, 'a', 'b');
    assert.equal(d.split('\n').filter((l) => l.startsWith('@@')).length, 3);
    assert.equal(d.split('\n').filter((l) => /^[-+] /.test(l)).length, 6);
  });

  it('redacts secret values', () => {
    assert.equal(redact('+  "K": "sk-12345"\n', ['sk-12345', 'ab']), '+  "K": "«redacted»"\n');
  });
});

describe('adopt: names and translation', () => {
  it('keeps free names, reuses identical definitions, and suffixes the client on a collision', () => {
    const taken = new Map([['github', 'DEF-A'], ['github-cursor', 'DEF-B']]);
    assert.equal(pickName('github', 'cursor', 'DEF-A', (n) => taken.get(n)), 'github');
    assert.equal(pickName('github', 'cursor', 'DEF-B', (n) => taken.get(n)), 'github-cursor');
    assert.equal(pickName('github', 'cursor', 'DEF-C', (n) => taken.get(n)), 'github-cursor-2');
    assert.equal(pickName('new', 'codex', 'X', (n) => taken.get(n)), 'new');
    assert.equal(sanitizeName('📁 my files'), 'my-files');
    assert.equal(sanitizeName('x'.repeat(80)).length, 64);
    assert.equal(pickName('y'.repeat(64), 'claude-desktop', 'D', (n) => (n === 'y'.repeat(64) ? 'other' : undefined)).length, 64);
  });

  it("translates each client's variables, and refuses what Warden cannot answer", () => {
    const ws = { path: ['servers'], baseDir: '/p', workspaceFolder: '/p' };
    const cc = translateEntry({ command: 'npx', args: ['${ROOT}/x'], env: { K: '${API_KEY}' } }, 'claude-code', { path: ['mcpServers'] });
    assert.deepEqual(cc, { ok: true, entry: { type: 'stdio', command: 'npx', args: ['${env:ROOT}/x'], env: { K: '${env:API_KEY}' } } });
    assert.deepEqual(translateEntry({ command: 'x', args: ['${A:-b c}'] }, 'claude-code', { path: [] }), { ok: true, entry: { type: 'stdio', command: 'x', args: ['${env:A:-b c}'] } });
    assert.equal(translateEntry({ command: 'x', args: ['${A-b}'] }, 'claude-code', { path: [] }).ok, false);
    const vs = translateEntry({ type: 'stdio', command: 'node', args: ['${workspaceFolder}/s.js'], envFile: '.env', cwd: 'sub' }, 'vscode', ws);
    assert.deepEqual(vs, { ok: true, entry: { type: 'stdio', command: 'node', args: ['/p/s.js'], cwd: '/p/sub', envFile: '/p/.env' } });
    assert.match((translateEntry({ command: 'x', env: { T: '${input:token}' } }, 'vscode', ws) as { reason: string }).reason, /input:token/);
    assert.match((translateEntry({ command: 'x', args: ['${workspaceFolder}'] }, 'vscode', { path: ['servers'] }) as { reason: string }).reason, /outside a workspace/);
    assert.match((translateEntry({ url: 'https://x' }, 'vscode', ws) as { reason: string }).reason, /remote/);
    assert.match((translateEntry({ type: 'http', url: 'https://x' }, 'claude-code', ws) as { reason: string }).reason, /not a local stdio/);
    const codex = translateEntry({ command: 'x', env_vars: ['HOME_TOKEN'], env: { A: 1 } }, 'none', { path: [] });
    assert.deepEqual(codex, { ok: true, entry: { type: 'stdio', command: 'x', args: [], env: { HOME_TOKEN: '${env:HOME_TOKEN:-}', A: '1' } } });
    assert.equal(translateEntry({ command: 'x', args: ['${literal}'] }, 'none', { path: [] }).ok, false);
  });

  it('recognises entries that already run mcp-warden connect', () => {
    assert.equal(reachesWarden({ command: launcher.node, args: [launcher.cli, 'connect', 'a'] }, launcher), true);
    assert.equal(reachesWarden({ command: 'mcp-warden', args: ['connect', 'a'] }, launcher), true);
    assert.equal(reachesWarden({ command: 'C:\\node\\node.exe', args: ['C:\\tools\\mcp-warden\\dist\\cli.js', 'connect', 'a'] }, launcher), true);
    assert.equal(reachesWarden({ command: 'npx', args: ['-y', 'server', 'connect'] }, launcher), false);
  });
});

describe('adopt: where each client keeps its config', () => {
  const paths = (ctx: LocateContext) => clientFiles(CLIENT_IDS, ctx).map((f) => `${f.client} ${f.path}`);

  it('Linux: XDG config home for Claude Desktop and VS Code, dot-dirs for the others, project files with --project', () => {
    const got = paths({ platform: 'linux', env: { XDG_CONFIG_HOME: '/x' }, homeDir: '/h', projectDir: '/p' });
    assert.deepEqual(got, [
      'claude-code /h/.claude.json', 'claude-code /p/.mcp.json',
      'claude-desktop /x/Claude/claude_desktop_config.json',
      'cursor /h/.cursor/mcp.json', 'cursor /p/.cursor/mcp.json',
      'vscode /x/Code/User/mcp.json', 'vscode /x/Code - Insiders/User/mcp.json', 'vscode /p/.vscode/mcp.json',
      'codex /h/.codex/config.toml', 'codex /p/.codex/config.toml',
    ]);
    assert.ok(paths({ platform: 'linux', env: {}, homeDir: '/h' }).includes('claude-desktop /h/.config/Claude/claude_desktop_config.json'));
  });

  it('macOS: Application Support', () => {
    const got = paths({ platform: 'darwin', env: {}, homeDir: '/Users/u' });
    assert.ok(got.includes('claude-desktop /Users/u/Library/Application Support/Claude/claude_desktop_config.json'));
    assert.ok(got.includes('vscode /Users/u/Library/Application Support/Code/User/mcp.json'));
    assert.ok(got.includes('cursor /Users/u/.cursor/mcp.json'));
  });

  it('Windows: %APPDATA% (and the Store install of Claude), %USERPROFILE% for the dot-dirs', () => {
    const got = paths({ platform: 'win32', env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, homeDir: 'C:\\Users\\u' });
    assert.ok(got.includes('claude-desktop C:\\Users\\u\\AppData\\Roaming\\Claude\\claude_desktop_config.json'));
    assert.ok(got.includes('claude-desktop C:\\Users\\u\\AppData\\Local\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json'));
    assert.ok(got.includes('vscode C:\\Users\\u\\AppData\\Roaming\\Code\\User\\mcp.json'));
    assert.ok(got.includes('claude-code C:\\Users\\u\\.claude.json'));
    assert.ok(got.includes('codex C:\\Users\\u\\.codex\\config.toml'));
  });

  it('honours CLAUDE_CONFIG_DIR, CODEX_HOME and VSCODE_APPDATA', () => {
    const got = paths({ platform: 'linux', env: { CLAUDE_CONFIG_DIR: '/cc', CODEX_HOME: '/cx', VSCODE_APPDATA: '/va' }, homeDir: '/h' });
    assert.ok(got.includes('claude-code /cc/.claude.json'));
    assert.ok(got.includes('codex /cx/config.toml'));
    assert.ok(got.includes('vscode /va/Code/User/mcp.json'));
  });
});
