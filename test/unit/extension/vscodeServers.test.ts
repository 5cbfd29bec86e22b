// Unit tests: the servers of a folder's .vscode/mcp.json as Warden lists them — VS Code's own, adoptable or with the
// reason they stay — read from real files in a temp dir.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listAllVsCodeServers, listVsCodeServers, vscodeServerDescription } from '../../../src/extension/adopt/vscodeServers';

const root = mkdtempSync(join(tmpdir(), 'mcp-warden-vscode-servers-'));
after(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, mcpJson: string | null): { name: string; fsPath: string } {
  const fsPath = join(root, name);
  mkdirSync(join(fsPath, '.vscode'), { recursive: true });
  if (mcpJson !== null) writeFileSync(join(fsPath, '.vscode', 'mcp.json'), mcpJson);
  return { name, fsPath };
}

describe("VS Code's own servers", () => {
  it('lists stdio servers as adoptable and remote or ${input:…} ones with the reason they stay', () => {
    const f = folder('a', `{
  // mine
  "servers": {
    "fs": { "type": "stdio", "command": "node", "args": ["fs.js"] },
    "web": { "type": "http", "url": "https://example.invalid/mcp" },
    "keyed": { "command": "node", "env": { "KEY": "\${input:key}" } }
  }
}`);
    const l = listVsCodeServers(f);
    assert.deepEqual(l.problems, []);
    assert.deepEqual(l.servers.map((s) => [s.name, s.adoptable]), [['fs', true], ['web', false], ['keyed', false]]);
    assert.match(l.servers[1]!.reason!, /not a local stdio server/);
    assert.match(l.servers[2]!.reason!, /input:key/);
    assert.match(vscodeServerDescription(l.servers[0]!), /VS Code’s own, not run by Warden · Adopt/);
  });
  it('lists nothing for a folder without mcp.json, and names an unparseable one', () => {
    assert.deepEqual(listVsCodeServers(folder('none', null)), { servers: [], problems: [] });
    const l = listAllVsCodeServers([folder('bad', '{ "servers": '), folder('none2', null)]);
    assert.equal(l.servers.length, 0);
    assert.match(l.problems[0]!, /bad\/\.vscode\/mcp\.json: not valid JSON/);
  });
});
