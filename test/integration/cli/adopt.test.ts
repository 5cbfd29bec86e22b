// `mcp-warden adopt` / `unadopt` as a user runs them, on realistic config files of every client (comments, odd
// formatting, CRLF, unicode) in a temp HOME / XDG / APPDATA: round trip byte for byte, dry run, refusal, idempotence.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parse as parseToml } from 'smol-toml';
import { parseJsonText } from '../../../src/cli/adopt/jsonEdit';
import { loadConfig } from '../../../src/helper/config/loadConfig';
import { fixture, repoRoot, tempDir } from '../../support/fixtures';
import { killAll, procsWithEnvMarker, sleep } from '../../support/procfs';

const cli = join(repoRoot, 'dist/cli.js');

interface Machine {
  root: string;
  home: string;
  xdg: string;
  state: string;
  project: string;
  env: NodeJS.ProcessEnv;
  files: Record<string, string>;
  wardenConfig: string;
}

const CLAUDE_JSON = `{
  "numStartups": 42,
  "installMethod": "npm",
  "tipsHistory": {
    "memory-command": 3
  },
  "mcpServers": {
    "filesystem": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "-y",
        "@modelcontextprotocol/server-filesystem",
        "\${HOME}/Documents"
      ],
      "env": {}
    },
    "linear": {
      "type": "http",
      "url": "https://mcp.linear.app/mcp"
    }
  },
  "projects": {
    "PROJECT": {
      "allowedTools": [],
      "history": [
        { "display": "résumé the café test ☕", "pastedContents": {} }
      ],
      "mcpServers": {
        "github": {
          "type": "stdio",
          "command": "docker",
          "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server"],
          "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_sampleTokenValue1234" }
        }
      }
    }
  }
}
`;

const PROJECT_MCP_JSON = '{\r\n  "mcpServers": {\r\n    "puppeteer": {\r\n      "command": "npx",\r\n      "args": ["-y", "@modelcontextprotocol/server-puppeteer"]\r\n    }\r\n  }\r\n}\r\n';

const CLAUDE_DESKTOP = `{
    "mcpServers": {
        "📁 files": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"]
        },
        "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                    "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_desktopTokenValue99" } }
    },
    "globalShortcut": "Ctrl+Space"
}`;

const CURSOR_USER = `// Cursor's global MCP servers — edited by hand
{
\t"mcpServers": {
\t\t/* the same name as Claude Desktop's, another command */
\t\t"github": {"command":"uvx","args":["mcp-github"],},
\t\t"sentry": {"url": "https://mcp.sentry.dev/mcp", "headers": {"Authorization": "Bearer sntrys_neighbourSecret"}}, // remote: stays
\t},
}
`;

const CURSOR_PROJECT = `{
  "mcpServers": {
    "local-tools": { "command": "node", "args": ["\${workspaceFolder}/tools/server.js"], "env": { "MODE": "dev" } }
  }
}
`;

const VSCODE_USER = `{
  // Servers for every workspace
  "inputs": [
    { "type": "promptString", "id": "token", "description": "API token", "password": true }
  ],
  "servers": {
    "memory": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] },
    "needs-input": { "type": "stdio", "command": "npx", "args": ["x"], "env": { "TOKEN": "\${input:token}" } },
    "time": { "type": "stdio", "command": "uvx", "args": ["mcp-server-time", "--local-timezone=Europe/Paris"], "dev": { "watch": "src/**" } }
  }
}
`;

const CODEX_TOML = [
  '# ~/.codex/config.toml — ünïcode ✓',
  'model = "gpt-5-codex"',
  'approval_policy = "on-request"   # ask first',
  '',
  '[mcp_servers.context7]',
  'command = "npx"',
  'args = [',
  '  "-y",',
  '  "@upstash/context7-mcp",   # docs',
  ']',
  'startup_timeout_sec = 30',
  '',
  '[mcp_servers.context7.env]',
  'CONTEXT7_API_KEY = "ctx7_sampleKeyValue"',
  '',
  '# forwarded from the environment',
  '[mcp_servers."shell tools"]',
  "command = 'uvx'",
  'args = ["mcp-shell"]',
  'env_vars = ["SHELL_TOKEN"]',
  '',
  '[mcp_servers.figma]',
  'url = "https://mcp.figma.com/mcp"',
  '',
  '[profiles.fast]',
  'model = "gpt-5-mini"',
  '',
].join('\r\n');

function write(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

function machine(): Machine {
  const root = tempDir('adopt');
  const home = join(root, 'home');
  const xdg = join(root, 'config');
  const project = join(root, 'work', 'プロジェクト');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: xdg, XDG_STATE_HOME: join(root, 'state'), APPDATA: join(root, 'appdata'),
  };
  const files = {
    claudeCode: join(home, '.claude.json'),
    claudeProject: join(project, '.mcp.json'),
    claudeDesktop: join(xdg, 'Claude', 'claude_desktop_config.json'),
    cursor: join(home, '.cursor', 'mcp.json'),
    cursorProject: join(project, '.cursor', 'mcp.json'),
    vscode: join(xdg, 'Code', 'User', 'mcp.json'),
    vscodeProfile: join(xdg, 'Code', 'User', 'profiles', '-4f2a91c', 'mcp.json'),
    codex: join(home, '.codex', 'config.toml'),
  };
  write(files.claudeCode, CLAUDE_JSON.replace('PROJECT', project), 0o600);
  write(files.claudeProject, PROJECT_MCP_JSON);
  // Saved by Notepad: a byte-order mark, which must survive too.
  write(files.claudeDesktop, `\uFEFF${CLAUDE_DESKTOP}`);
  write(files.cursor, CURSOR_USER, 0o640);
  write(files.cursorProject, CURSOR_PROJECT);
  write(files.vscode, VSCODE_USER);
  write(files.vscodeProfile, '{"servers":{"everything":{"type":"stdio","command":"npx","args":["-y","@modelcontextprotocol/server-everything"]}}}');
  write(files.codex, CODEX_TOML, 0o600);
  mkdirSync(project, { recursive: true });
  return { root, home, xdg, state: join(root, 'state', 'mcp-warden'), project, env, files, wardenConfig: join(xdg, 'mcp-warden', 'servers.json') };
}

function warden(m: Machine, ...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: m.env, cwd: m.root, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function snapshot(m: Machine): Map<string, { bytes: Buffer; mtimeMs: number; mode: number }> {
  const out = new Map<string, { bytes: Buffer; mtimeMs: number; mode: number }>();
  for (const p of Object.values(m.files)) {
    const st = statSync(p);
    out.set(p, { bytes: readFileSync(p), mtimeMs: st.mtimeMs, mode: st.mode & 0o777 });
  }
  return out;
}

function json(path: string): any {
  const r = parseJsonText(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  assert.ok(r.ok, `${path} parses`);
  return r.value;
}

describe('mcp-warden adopt / unadopt', () => {
  it('adopts every client, then unadopt puts every file back byte for byte (and mode for mode)', () => {
    const m = machine();
    const before = snapshot(m);
    const r = warden(m, 'adopt', '--client', 'all', '--project', m.project);
    assert.equal(r.status, 0, r.stderr);
    // The diff comes first, per file, and no secret is printed.
    assert.match(r.stdout, new RegExp(`--- ${m.files.cursor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n\\+\\+\\+ `));
    // A neighbour's header shows up in the diff's context lines: hidden too.
    const secrets = ['ghp_sampleTokenValue1234', 'ghp_desktopTokenValue99', 'ctx7_sampleKeyValue', 'sntrys_neighbourSecret'];
    for (const secret of secrets) assert.ok(!r.stdout.includes(secret), secret);
    assert.match(r.stdout, /"Authorization": "«redacted»"/);

    // Warden's config holds the stdio servers, in the format its loader reads.
    const servers = json(m.wardenConfig).servers;
    assert.deepEqual(Object.keys(servers).sort(), [
      'context7', 'everything', 'files', 'filesystem', 'github', 'github-claude-desktop', 'github-cursor', 'local-tools', 'memory', 'puppeteer', 'shell-tools', 'time',
    ]);
    assert.equal(statSync(m.wardenConfig).mode & 0o777, 0o600);
    assert.deepEqual(servers.filesystem.args, ['-y', '@modelcontextprotocol/server-filesystem', '${env:HOME}/Documents']);
    assert.equal(servers.github.cwd, m.project, "a Claude Code project's server runs in its project");
    assert.deepEqual(servers['local-tools'].args, [join(m.project, 'tools/server.js')]);
    assert.deepEqual(servers['shell-tools'].env, { SHELL_TOKEN: '${env:SHELL_TOKEN:-}' });
    assert.equal(servers.context7.env.CONTEXT7_API_KEY, 'ctx7_sampleKeyValue');
    const loaded = loadConfig({ files: [{ path: m.wardenConfig, origin: 'user', trusted: true }], autoStart: false });
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.servers.length, 12);
    assert.deepEqual(json(m.files.vscodeProfile).servers.everything.args, [cli, 'connect', 'everything'], "a VS Code profile's mcp.json too");

    // Each client entry now runs this Node and this cli.js, `connect NAME`; what was not a stdio server is untouched.
    // The state dir is the default one (XDG_STATE_HOME/mcp-warden): no --state-dir.
    const connect = (name: string) => [cli, 'connect', name];
    const cc = json(m.files.claudeCode);
    assert.deepEqual(cc.mcpServers.filesystem, { type: 'stdio', command: process.execPath, args: connect('filesystem') });
    assert.deepEqual(cc.mcpServers.linear, { type: 'http', url: 'https://mcp.linear.app/mcp' });
    assert.deepEqual(cc.projects[m.project].mcpServers.github.args, connect('github'));
    assert.equal(cc.projects[m.project].history[0].display, 'résumé the café test ☕');
    assert.deepEqual(json(m.files.claudeDesktop).mcpServers.github.args, connect('github-claude-desktop'));
    assert.ok(readFileSync(m.files.claudeDesktop, 'utf8').startsWith('\uFEFF{\n    "mcpServers": {'), 'BOM and 4-space indent kept');
    assert.deepEqual(json(m.files.claudeDesktop).mcpServers['📁 files'].args, connect('files'));
    assert.deepEqual(json(m.files.cursor).mcpServers.github.args, connect('github-cursor'));
    assert.deepEqual(json(m.files.cursor).mcpServers.sentry.url, 'https://mcp.sentry.dev/mcp');
    const vs = json(m.files.vscode);
    assert.deepEqual(vs.servers.time, { type: 'stdio', command: process.execPath, args: connect('time'), dev: { watch: 'src/**' } });
    assert.deepEqual(vs.servers['needs-input'].env, { TOKEN: '${input:token}' }, 'an ${input:…} server stays with VS Code');
    assert.match(r.stdout, /left alone: vscode "needs-input".*input:token/);
    const codex = JSON.parse(JSON.stringify(parseToml(readFileSync(m.files.codex, "utf8")))) as any;
    assert.deepEqual(codex.mcp_servers.context7, { command: process.execPath, args: connect('context7'), startup_timeout_sec: 30 });
    assert.deepEqual(codex.mcp_servers.figma, { url: 'https://mcp.figma.com/mcp' });

    // Formatting outside the edited entries is kept: comments, CRLF, tabs, the file's mode.
    const cursorText = readFileSync(m.files.cursor, 'utf8');
    assert.ok(cursorText.startsWith("// Cursor's global MCP servers — edited by hand\n{\n\t\"mcpServers\": {\n\t\t/* the same name"));
    assert.ok(cursorText.includes('"sentry": {"url": "https://mcp.sentry.dev/mcp", "headers": {"Authorization": "Bearer sntrys_neighbourSecret"}}, // remote: stays'));
    const codexText = readFileSync(m.files.codex, 'utf8');
    assert.ok(codexText.startsWith('# ~/.codex/config.toml — ünïcode ✓\r\nmodel = "gpt-5-codex"\r\napproval_policy = "on-request"   # ask first\r\n'));
    assert.ok(codexText.endsWith('[mcp_servers.figma]\r\nurl = "https://mcp.figma.com/mcp"\r\n\r\n[profiles.fast]\r\nmodel = "gpt-5-mini"\r\n'));
    assert.ok(!/[^\r]\n/.test(codexText) && !/[^\r]\n/.test(readFileSync(m.files.claudeProject, 'utf8')), 'CRLF files stay CRLF');
    for (const [p, s] of before) assert.equal(statSync(p).mode & 0o777, s.mode, `${p} keeps its mode`);

    // Backups are the user's alone.
    const backups = join(m.state, 'adopt', 'backups');
    assert.equal(readdirSync(backups).length, 8);
    for (const b of readdirSync(backups)) assert.equal(statSync(join(backups, b)).mode & 0o777, 0o600);
    assert.equal(statSync(join(m.state, 'adopt')).mode & 0o777, 0o700);

    const u = warden(m, 'unadopt');
    assert.equal(u.status, 0, u.stderr);
    for (const secret of secrets) assert.ok(!u.stdout.includes(secret), `unadopt's diff hides ${secret}`);
    for (const [p, s] of before) {
      assert.ok(readFileSync(p).equals(s.bytes), `${p} is back byte for byte`);
      assert.equal(statSync(p).mode & 0o777, s.mode);
    }
    assert.equal(existsSync(m.wardenConfig), false, "Warden's config did not exist before: it is gone again");
    assert.deepEqual(readdirSync(backups), []);
    assert.equal(warden(m, 'unadopt').stdout, 'Nothing to unadopt.\n');
  });

  it('--dry-run prints the diff and writes nothing (bytes and mtimes unchanged, no state)', () => {
    const m = machine();
    const before = snapshot(m);
    const r = warden(m, 'adopt', '--client', 'all', '--project', m.project, '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\+\s+"command": /m);
    assert.match(r.stdout, /Dry run: nothing was written\./);
    for (const [p, s] of snapshot(m)) {
      assert.ok(s.bytes.equals(before.get(p)!.bytes), p);
      assert.equal(s.mtimeMs, before.get(p)!.mtimeMs, `${p} mtime`);
    }
    assert.equal(existsSync(m.wardenConfig), false);
    assert.equal(existsSync(m.state), false);
  });

  it('refuses to touch anything while one file cannot be parsed, and names it', () => {
    const m = machine();
    writeFileSync(m.files.cursor, '{ "mcpServers": { "a": { "command": "x" } ');
    const before = snapshot(m);
    const r = warden(m, 'adopt', '--client', 'all');
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`cannot parse ${m.files.cursor}`), r.stderr);
    assert.match(r.stderr, /nothing was written/);
    for (const [p, s] of snapshot(m)) assert.ok(s.bytes.equals(before.get(p)!.bytes) && s.mtimeMs === before.get(p)!.mtimeMs, p);
    assert.equal(existsSync(m.wardenConfig), false);
    // A TOML error is refused the same way.
    writeFileSync(m.files.cursor, CURSOR_USER);
    writeFileSync(m.files.codex, '[mcp_servers.a\ncommand = "x"\n');
    const t = warden(m, 'adopt', '--client', 'codex');
    assert.equal(t.status, 1);
    assert.ok(t.stderr.includes(`cannot parse ${m.files.codex}: not valid TOML`), t.stderr);
  });

  it('a second adopt changes nothing', () => {
    const m = machine();
    assert.equal(warden(m, 'adopt', '--client', 'all', '--project', m.project).status, 0);
    const once = snapshot(m);
    const config = readFileSync(m.wardenConfig);
    const log = readFileSync(join(m.state, 'adopt', 'adoptions.json'));
    const r = warden(m, 'adopt', '--client', 'all', '--project', m.project);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Nothing to adopt\./);
    assert.match(r.stdout, /already through Warden: cursor "github"/);
    for (const [p, s] of snapshot(m)) assert.ok(s.bytes.equals(once.get(p)!.bytes) && s.mtimeMs === once.get(p)!.mtimeMs, p);
    assert.ok(readFileSync(m.wardenConfig).equals(config));
    assert.ok(readFileSync(join(m.state, 'adopt', 'adoptions.json')).equals(log));
  });

  it('unadopt will not clobber a file edited since adoption without --force; --force puts back only the adopted entries', () => {
    const m = machine();
    const before = snapshot(m);
    assert.equal(warden(m, 'adopt', '--client', 'cursor', '--client', 'codex', '--client', 'claude-code').status, 0);
    // The user edits Cursor's file; Claude Code rewrites its own as it runs; Codex's gets a new setting.
    const edited = readFileSync(m.files.cursor, 'utf8').replace('"mcpServers"', '"theme": "dark",\n\t"mcpServers"');
    writeFileSync(m.files.cursor, edited);
    writeFileSync(m.files.claudeCode, readFileSync(m.files.claudeCode, 'utf8').replace('"numStartups": 42', '"numStartups": 43'));
    writeFileSync(m.files.codex, readFileSync(m.files.codex, 'utf8').replace('model = "gpt-5-codex"', 'model = "gpt-5.1-codex"'));
    const refused = warden(m, 'unadopt');
    assert.equal(refused.status, 1);
    assert.ok(refused.stderr.includes(`${m.files.cursor} was edited since it was adopted (only the adopted entries would be put back`), refused.stderr);
    assert.ok(refused.stderr.includes(m.files.claudeCode) && refused.stderr.includes(m.files.codex), refused.stderr);
    assert.equal(readFileSync(m.files.cursor, 'utf8'), edited, 'nothing restored');
    assert.ok(existsSync(m.wardenConfig), "Warden's config untouched too");

    // Put back by hand is not an edit: only the other two files still need --force.
    writeFileSync(m.files.cursor, before.get(m.files.cursor)!.bytes);
    const still = warden(m, 'unadopt');
    assert.equal(still.status, 1);
    assert.ok(!still.stderr.includes(m.files.cursor), still.stderr);
    writeFileSync(m.files.cursor, edited);
    const forced = warden(m, 'unadopt', '--force');
    assert.equal(forced.status, 0, forced.stderr);
    // The adopted entries are back as they were, byte for byte; the later edits stay.
    assert.equal(readFileSync(m.files.cursor, 'utf8'), CURSOR_USER.replace('"mcpServers"', '"theme": "dark",\n\t"mcpServers"'));
    assert.equal(readFileSync(m.files.claudeCode, 'utf8'), before.get(m.files.claudeCode)!.bytes.toString('utf8').replace('"numStartups": 42', '"numStartups": 43'));
    assert.equal(readFileSync(m.files.codex, 'utf8'), CODEX_TOML.replace('model = "gpt-5-codex"', 'model = "gpt-5.1-codex"'));
    const kept = [...forced.stdout.matchAll(/the replaced contents are kept in (.+)\n/g)].map((x) => x[1]!);
    assert.equal(kept.length, 3, forced.stdout);
    assert.ok(kept.some((k) => readFileSync(k, 'utf8') === edited), 'the edited bytes are kept');
    assert.equal(existsSync(m.wardenConfig), false);
  });

  it('a file adopted twice goes back through both adoptions', () => {
    const m = machine();
    const original = readFileSync(m.files.cursor, 'utf8');
    assert.equal(warden(m, 'adopt', '--client', 'cursor').status, 0);
    // A new server added by hand after the first adoption, adopted by a second run.
    const added = readFileSync(m.files.cursor, 'utf8').replace('"sentry"', '"weather": {"command": "uvx", "args": ["weather-mcp"]},\n\t\t"sentry"');
    writeFileSync(m.files.cursor, added);
    const second = warden(m, 'adopt', '--client', 'cursor');
    assert.match(second.stdout, /moved cursor "weather"/);
    assert.equal(JSON.parse(readFileSync(join(m.state, 'adopt', 'adoptions.json'), 'utf8')).records.filter((r: { client: string }) => r.client === 'cursor').length, 2);
    // The second adoption is undone exactly; the first has a hand edit after it, so it needs --force and merges.
    assert.equal(warden(m, 'unadopt').status, 1);
    assert.equal(warden(m, 'unadopt', '--force').status, 0);
    assert.equal(readFileSync(m.files.cursor, 'utf8'), original.replace('"sentry"', '"weather": {"command": "uvx", "args": ["weather-mcp"]},\n\t\t"sentry"'));
    assert.equal(existsSync(m.wardenConfig), false);
  });

  it('unadopt --client restores only that client, and leaves a server the user changed in Warden\'s config', () => {
    const m = machine();
    const before = snapshot(m);
    assert.equal(warden(m, 'adopt', '--client', 'claude-desktop,cursor').status, 0);
    // The user tunes one adopted server in Warden's config.
    writeFileSync(m.wardenConfig, readFileSync(m.wardenConfig, 'utf8').replace('"mcp-github"', '"mcp-github", "--verbose"'));
    const r = warden(m, 'unadopt', '--client', 'cursor');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kept Warden server "github-cursor": changed/);
    assert.ok(readFileSync(m.files.cursor).equals(before.get(m.files.cursor)!.bytes));
    assert.ok(!readFileSync(m.files.claudeDesktop).equals(before.get(m.files.claudeDesktop)!.bytes), 'Claude Desktop stays adopted');
    assert.deepEqual(Object.keys(json(m.wardenConfig).servers).sort(), ['files', 'github', 'github-cursor']);
    assert.equal(warden(m, 'unadopt').status, 0);
    assert.ok(readFileSync(m.files.claudeDesktop).equals(before.get(m.files.claudeDesktop)!.bytes));
    assert.deepEqual(Object.keys(json(m.wardenConfig).servers), ['github-cursor'], 'the changed server is the user\'s now');
  });

  it('edits the target of a symlinked config file and leaves the link a link', () => {
    const m = machine();
    const real = join(m.root, 'dotfiles', 'cursor-mcp.json');
    write(real, CURSOR_USER);
    const link = m.files.cursor;
    spawnSync('rm', ['-f', link]);
    symlinkSync(real, link);
    assert.equal(warden(m, 'adopt', '--client', 'cursor').status, 0);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), real);
    assert.deepEqual(json(real).mcpServers.github.args.slice(1, 3), ['connect', 'github']);
    assert.equal(warden(m, 'unadopt').status, 0);
    assert.equal(readFileSync(real, 'utf8'), CURSOR_USER);
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it('writes --state-dir into the entries only when it is not the default, and refuses unknown clients', () => {
    const m = machine();
    const r = warden(m, 'adopt', '--client', 'cursor', '--state-dir', m.state);
    assert.equal(r.status, 0, r.stderr);
    const args = json(m.files.cursor).mcpServers.github.args as string[];
    assert.deepEqual(args, [cli, 'connect', 'github'], 'the state dir given is the default one');
    assert.equal(warden(m, 'unadopt').status, 0);
    const other = join(m.root, 'other-state');
    assert.equal(warden(m, 'adopt', '--client', 'cursor', '--state-dir', other).status, 0);
    assert.deepEqual(json(m.files.cursor).mcpServers.github.args, [cli, 'connect', 'github', '--state-dir', other]);
    assert.equal(existsSync(join(other, 'adopt', 'adoptions.json')), true, 'the log lives beside that state');
    const bad = warden(m, 'adopt', '--client', 'emacs');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown client "emacs"/);
    assert.equal(warden(m, 'adopt').status, 2, '--client is required');
  });

  it('the rewritten entry, run exactly as the client would run it, reaches the adopted server through connect', async (t) => {
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    if (!/\bconnect\b/.test(help.stdout)) {
      // Until `mcp-warden connect` lands, the first test checks the command line's shape only.
      t.skip('mcp-warden connect is not on this branch yet');
      return;
    }
    const m = machine();
    const marker = randomUUID();
    m.env.MCP_WARDEN_ADOPT_TEST = marker;
    write(m.files.cursor, `{ "mcpServers": { "fixture": { "command": ${JSON.stringify(process.execPath)}, "args": [${JSON.stringify(fixture('well-behaved'))}], "env": { "MCP_WARDEN_ADOPT_TEST": "${marker}" } } } }`);
    assert.equal(warden(m, 'adopt', '--client', 'cursor').status, 0);
    const entry = json(m.files.cursor).mcpServers.fixture as { command: string; args: string[] };
    const client = new Client({ name: 'adopt-test', version: '1.0.0' });
    try {
      await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: m.env as Record<string, string>, stderr: 'ignore' }));
      const tools = await client.listTools();
      assert.ok(tools.tools.some((x) => x.name === 'echo'));
      const reply = await client.callTool({ name: 'echo', arguments: { text: 'through warden' } });
      assert.match(JSON.stringify(reply.content), /through warden/);
    } finally {
      await client.close().catch(() => undefined);
      // Stop the engine connect started, by its pid, then make sure nothing of this test is left.
      const st = warden(m, 'status', '--json');
      const pid = st.status === 0 ? (JSON.parse(st.stdout) as { helper: { pid: number } }).helper.pid : 0;
      if (pid) process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && procsWithEnvMarker('MCP_WARDEN_ADOPT_TEST', marker).length; i++) await sleep(100);
      const left = procsWithEnvMarker('MCP_WARDEN_ADOPT_TEST', marker).map((p) => p.pid);
      killAll(left);
      assert.deepEqual(left, [], 'no process of this test outlives it');
    }
  });

  it('repairs an entry whose mcp-warden paths are gone (an update moved them), keeping its server and state dir', () => {
    const m = machine();
    const gone = join(m.root, 'old-extension', 'mcp-warden-0.0.9', 'dist', 'cli.js');
    write(m.files.cursor, `{ "mcpServers": { "github": { "command": "/nonexistent/node", "args": [${JSON.stringify(gone)}, "connect", "github", "--state-dir", "/custom/state"] } } }\n`);
    const before = readFileSync(m.files.cursor);
    const r = warden(m, 'adopt', '--client', 'cursor');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /repaired cursor "github"/);
    assert.deepEqual(json(m.files.cursor).mcpServers.github, { command: process.execPath, args: [cli, 'connect', 'github', '--state-dir', '/custom/state'] });
    assert.equal(existsSync(m.wardenConfig), false, 'nothing moved into Warden: the server was already there');
    assert.match(warden(m, 'adopt', '--client', 'cursor').stdout, /Nothing to adopt/);
    assert.equal(warden(m, 'unadopt').status, 0);
    assert.ok(readFileSync(m.files.cursor).equals(before));
  });

  it('unadopt --dry-run shows the restore and writes nothing; one adopt or unadopt at a time (a dead holder\'s lock is taken over)', () => {
    const m = machine();
    const before = snapshot(m);
    assert.equal(warden(m, 'adopt', '--client', 'cursor').status, 0);
    const adopted = snapshot(m);
    const dry = warden(m, 'unadopt', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /\(restored\)/);
    assert.match(dry.stdout, /Dry run: nothing was written\./);
    for (const [p, s] of snapshot(m)) assert.ok(s.bytes.equals(adopted.get(p)!.bytes) && s.mtimeMs === adopted.get(p)!.mtimeMs, p);

    const lock = join(m.state, 'adopt', 'lock');
    writeFileSync(lock, String(process.pid)); // a live process holds it
    const busy = warden(m, 'unadopt');
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, new RegExp(`Another mcp-warden adopt or unadopt is running \\(pid ${process.pid}\\)`));
    for (const [p, s] of snapshot(m)) assert.ok(s.bytes.equals(adopted.get(p)!.bytes), p);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, dead.stdout); // its holder has exited
    assert.equal(warden(m, 'unadopt').status, 0);
    assert.ok(readFileSync(m.files.cursor).equals(before.get(m.files.cursor)!.bytes));
    assert.equal(existsSync(lock), false, 'the lock is released');
  });

  it('adopt --json gives programs the same plan as one object, and writes only without --dry-run', () => {
    const m = machine();
    const before = snapshot(m);
    const dry = warden(m, 'adopt', '--client', 'cursor', '--json', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    assert.equal(plan.written, false);
    assert.deepEqual(plan.moved, [{ client: 'cursor', file: m.files.cursor, name: 'github', wardenName: 'github', added: true, repaired: false }]);
    assert.deepEqual(plan.leftAlone.map((l: { name: string }) => l.name), ['sentry']);
    assert.deepEqual(plan.files.map((f: { path: string }) => f.path), [m.files.cursor, m.wardenConfig]);
    assert.ok(!dry.stdout.includes('sntrys_neighbourSecret'));
    for (const [p, s] of snapshot(m)) assert.ok(s.bytes.equals(before.get(p)!.bytes), p);
    const done = JSON.parse(warden(m, 'adopt', '--client', 'cursor', '--json').stdout);
    assert.equal(done.written, true);
    assert.match(done.run, /^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    assert.equal(json(m.files.cursor).mcpServers.github.args[1], 'connect');
    writeFileSync(m.files.codex, '[mcp_servers.a\n');
    const bad = warden(m, 'adopt', '--client', 'codex', '--json');
    assert.equal(bad.status, 1);
    assert.equal(JSON.parse(bad.stdout).unparseable[0].path, m.files.codex);
  });

  it('a file it cannot edit safely is left whole, without taking away a server another file now points at', () => {
    const m = machine();
    write(m.files.claudeDesktop, '{"mcpServers": {"github": {"command": "npx", "args": ["-y", "gh-mcp"]}}}');
    // The same server in Codex, as an inline table: readable, but not a table adopt edits.
    write(m.files.codex, '[mcp_servers]\ngithub = { command = "npx", args = ["-y", "gh-mcp"] }\n');
    const codexBefore = readFileSync(m.files.codex);
    const r = warden(m, 'adopt', '--client', 'claude-desktop,codex');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /left alone: codex "github".*not a table of its own/);
    assert.ok(readFileSync(m.files.codex).equals(codexBefore));
    assert.deepEqual(json(m.files.claudeDesktop).mcpServers.github.args, [cli, 'connect', 'github']);
    assert.deepEqual(Object.keys(json(m.wardenConfig).servers), ['github'], 'the server Claude Desktop now reaches is there');
  });
});
