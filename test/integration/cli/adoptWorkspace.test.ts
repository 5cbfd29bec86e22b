// Adoption of a workspace's .vscode/mcp.json into .vscode/mcp-warden.json (issue 13's library part), on real files in
// temp dirs: entries moved exactly as written, comments kept, backups, undo byte for byte, edits since respected.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseJsonText } from '../../../src/cli/adopt/jsonEdit';
import { adoptableWorkspaceServers, adoptWorkspace, planWorkspaceAdoption, workspaceFiles } from '../../../src/cli/adopt/workspace';
import { applyWorkspaceUndo, planWorkspaceUndo, undoWorkspaceAdoption } from '../../../src/cli/adopt/workspaceUndo';
import { loadConfig } from '../../../src/helper/config/loadConfig';
import { WardenError } from '../../../src/shared/errors';
import { fixture, repoRoot, tempDir } from '../../support/fixtures';

const MCP_JSON = `{
\t// Servers for this repository — ünïcode ✓
\t"inputs": [
\t\t{ "type": "promptString", "id": "key", "description": "API key", "password": true }
\t],
\t"warden": { "memoryLimitMB": 256 },
\t"servers": {
\t\t"echo": {
\t\t\t"type": "stdio",
\t\t\t// the fixture, from this checkout
\t\t\t"command": ${JSON.stringify(process.execPath)},
\t\t\t"args": [${JSON.stringify(fixture('well-behaved'))}, "\${workspaceFolder}"],
\t\t\t"warden": { "memoryLimitMB": 128 }
\t\t},
\t\t"asks": { "type": "stdio", "command": "npx", "args": ["x"], "env": { "KEY": "\${input:key}" } },
\t\t"remote": { "type": "http", "url": "https://example.com/mcp" },
\t\t"tiny": { "command": ${JSON.stringify(process.execPath)}, "args": [${JSON.stringify(fixture('tiny'))}] }, // last one
\t}
}
`;

function workspace(text = MCP_JSON): { folder: string; state: string; mcpJson: string; wardenJson: string } {
  const root = tempDir('adopt-ws');
  const folder = join(root, 'repo');
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  const files = workspaceFiles(folder);
  writeFileSync(files.mcpJson, text);
  return { folder, state: join(root, 'state'), ...files };
}

function parse(path: string): any {
  const r = parseJsonText(readFileSync(path, 'utf8'));
  assert.ok(r.ok, path);
  return r.value;
}

describe('workspace adoption (.vscode/mcp.json → .vscode/mcp-warden.json)', () => {
  it('moves the stdio servers and the caps exactly as written, keeps the rest of mcp.json, and undoes byte for byte', () => {
    const ws = workspace();
    assert.deepEqual(adoptableWorkspaceServers(ws.folder), ['echo', 'tiny']);
    const { plan } = adoptWorkspace(ws.folder, ws.state);
    assert.deepEqual(plan.moved.map((m) => m.clientName), ['echo', 'tiny', 'warden']);
    assert.deepEqual(plan.leftAlone.map((l) => l.name).sort(), ['asks', 'remote']);

    const after = readFileSync(ws.mcpJson, 'utf8');
    assert.ok(after.startsWith('{\n\t// Servers for this repository — ünïcode ✓\n\t"inputs": ['), after);
    assert.deepEqual(Object.keys(parse(ws.mcpJson).servers), ['asks', 'remote']);
    assert.equal(parse(ws.mcpJson).warden, undefined, 'VS Code no longer sees the warden key');
    const moved = readFileSync(ws.wardenJson, 'utf8');
    assert.ok(moved.includes('\t\t\t// the fixture, from this checkout\n'), 'a comment inside an entry moves with it');
    assert.ok(moved.includes('"warden": { "memoryLimitMB": 256 }'));
    // The Warden file is what the engine loads for this workspace: caps and ${workspaceFolder} apply.
    const loaded = loadConfig({ files: [{ path: ws.wardenJson, origin: 'workspace', workspaceFolder: ws.folder, trusted: true }], autoStart: false });
    assert.deepEqual(loaded.problems, []);
    const echo = loaded.servers.find((s) => s.spec.name === 'echo')!.spec;
    assert.deepEqual(echo.args, [fixture('well-behaved'), ws.folder]);
    assert.equal(echo.caps.memoryLimitMB, 128);
    assert.equal(loaded.servers.find((s) => s.spec.name === 'tiny')!.spec.caps.memoryLimitMB, 256);

    const backups = join(ws.state, 'adopt', 'backups');
    assert.equal(readdirSync(backups).length, 1, 'mcp.json backed up (the Warden file did not exist)');
    assert.equal(statSync(join(backups, readdirSync(backups)[0]!)).mode & 0o777, 0o600);
    // Nothing left to move: a second adoption changes nothing.
    assert.equal(adoptWorkspace(ws.folder, ws.state).result.records.length, 0);
    assert.equal(readFileSync(ws.mcpJson, 'utf8'), after);

    undoWorkspaceAdoption(ws.folder, ws.state);
    assert.equal(readFileSync(ws.mcpJson, 'utf8'), MCP_JSON);
    assert.equal(existsSync(ws.wardenJson), false);
    assert.deepEqual(readdirSync(backups), []);
  });

  it("merges into an existing Warden file, and undo takes out only what it moved (Add Server's entries stay)", () => {
    const ws = workspace();
    const own = '{\n\t"servers": {\n\t\t"mine": { "command": "uvx", "args": ["mine"] }\n\t}\n}\n';
    writeFileSync(ws.wardenJson, own);
    adoptWorkspace(ws.folder, ws.state);
    assert.deepEqual(Object.keys(parse(ws.wardenJson).servers), ['mine', 'echo', 'tiny']);
    // Add Server writes another one there afterwards.
    writeFileSync(ws.wardenJson, readFileSync(ws.wardenJson, 'utf8').replace('"mine": {', '"added": { "command": "x" },\n\t\t"mine": {'));
    const undo = planWorkspaceUndo(ws.folder, ws.state);
    assert.deepEqual(undo.conflicts, [], 'an edited Warden file is not a conflict');
    applyWorkspaceUndo(undo, ws.state);
    assert.equal(readFileSync(ws.mcpJson, 'utf8'), MCP_JSON);
    assert.deepEqual(Object.keys(parse(ws.wardenJson).servers), ['added', 'mine']);
    assert.equal(parse(ws.wardenJson).warden, undefined);
  });

  it('an mcp.json edited since adoption needs force; then the moved entries go back in and the edit stays', () => {
    const ws = workspace();
    adoptWorkspace(ws.folder, ws.state);
    const edited = readFileSync(ws.mcpJson, 'utf8').replace('"remote": {', '"later": { "type": "http", "url": "https://l" },\n\t\t"remote": {');
    writeFileSync(ws.mcpJson, edited);
    const plan = planWorkspaceUndo(ws.folder, ws.state);
    assert.equal(plan.conflicts.length, 1);
    assert.throws(() => applyWorkspaceUndo(plan, ws.state), (e: unknown) => e instanceof WardenError && e.code === 'ADOPT_CONFLICT' && e.message.includes(ws.mcpJson));
    assert.equal(readFileSync(ws.mcpJson, 'utf8'), edited, 'nothing written');
    const { replacedBackups } = applyWorkspaceUndo(plan, ws.state, true);
    const doc = parse(ws.mcpJson);
    assert.deepEqual(Object.keys(doc.servers).sort(), ['asks', 'echo', 'later', 'remote', 'tiny']);
    assert.deepEqual(doc.warden, { memoryLimitMB: 256 });
    assert.ok(readFileSync(ws.mcpJson, 'utf8').includes('\t\t\t// the fixture, from this checkout\n'), 'put back as it was written');
    assert.equal(readFileSync(replacedBackups[0]!, 'utf8'), edited);
    assert.equal(existsSync(ws.wardenJson), false);
  });

  it('refuses an mcp.json it cannot parse, naming it, and writes nothing', () => {
    const ws = workspace('{ "servers": { "a": { "command": "x" }');
    const plan = planWorkspaceAdoption(ws.folder);
    assert.equal(plan.unparseable[0]!.path, ws.mcpJson);
    assert.throws(() => adoptWorkspace(ws.folder, ws.state), (e: unknown) => e instanceof WardenError && e.code === 'CONFIG_INVALID' && e.message.includes(ws.mcpJson));
    assert.equal(existsSync(ws.wardenJson), false);
    assert.equal(existsSync(ws.state), false);
  });

  it("leaves entries that already run mcp-warden connect, and `mcp-warden unadopt` leaves workspace adoptions to their own undo", () => {
    const cli = join(repoRoot, 'dist/cli.js');
    const ws = workspace(MCP_JSON.replace('"args": ["x"]', `"args": [${JSON.stringify(cli)}, "connect", "x"]`).replace('"npx"', JSON.stringify(process.execPath)));
    const plan = planWorkspaceAdoption(ws.folder, { node: process.execPath, cli });
    assert.ok(plan.alreadyWarden.some((a) => a.name === 'asks'));
    adoptWorkspace(ws.folder, ws.state, { node: process.execPath, cli });
    const r = spawnSync(process.execPath, [cli, 'unadopt', '--state-dir', ws.state], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: join(ws.state, 'cfg') } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Nothing to unadopt.\n');
    assert.ok(existsSync(ws.wardenJson));
    undoWorkspaceAdoption(ws.folder, ws.state);
    assert.equal(existsSync(ws.wardenJson), false);
  });
});
