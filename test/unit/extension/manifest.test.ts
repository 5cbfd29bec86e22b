// Checks the extension manifest against the code: commands, menus, views and settings all agree.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, INSTANCE_MODES, SESSION_OPTION_BOUNDS, SETTING_BOUNDS } from '../../../src/shared/config';
import { EMBEDDINGS_PROVIDERS } from '../../../src/shared/memorySettings';
import { settingKey } from '../../../src/extension/configSources';

const root = join(__dirname, '..', '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;
/** Every setting across the titled sections of contributes.configuration. */
const sections: { title: string; properties: Record<string, Record<string, unknown> & { scope?: string; enum?: unknown[] }> }[] = contributes.configuration;
const allProps = Object.assign({}, ...sections.map((s) => s.properties)) as Record<string, any>;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

describe('extension manifest', () => {
  const commands: { command: string; title: string; category: string }[] = contributes.commands;
  const ids = new Set(commands.map((c) => c.command));

  it('gives every command a title and the "MCP Warden" category', () => {
    for (const c of commands) {
      assert.ok(c.title, `${c.command} has no title`);
      assert.equal(c.category, 'MCP Warden', c.command);
    }
  });
  it('has the palette titles the issue names', () => {
    const titles = new Set(commands.map((c) => `${c.category}: ${c.title}`));
    for (const t of ['Start All', 'Stop All', 'Restart Server', 'Show Logs', 'Call Tool', 'Open Config', 'Kill Orphans…', 'Show Resource Graph', 'Add Server…', 'Adopt Servers from mcp.json', 'Undo Adoption', 'Adopt Servers from Other Clients…', 'Remember Selection', 'Search Memories', 'Forget Memory', 'Export Memories', 'Import Memories']) {
      assert.ok(titles.has(`MCP Warden: ${t}`), `missing "MCP Warden: ${t}"`);
    }
  });
  it('registers in code exactly the commands it contributes', () => {
    const registered = new Set<string>();
    for (const text of sources(join(root, 'src', 'extension'))) {
      for (const m of text.matchAll(/r(?:egisterCommand)?\('(mcpWarden\.[A-Za-z]+)'/g)) registered.add(m[1]!);
    }
    assert.deepEqual([...registered].sort(), [...ids].sort());
  });
  it('references only existing commands and views in menus', () => {
    const views = new Set<string>(Object.values(contributes.views).flat().map((v) => (v as { id: string }).id));
    for (const [menu, entries] of Object.entries(contributes.menus as Record<string, { command: string; when?: string }[]>)) {
      for (const e of entries) {
        assert.ok(ids.has(e.command), `${menu} references unknown ${e.command}`);
        for (const m of (e.when ?? '').matchAll(/view == ([\w.]+)/g)) assert.ok(views.has(m[1]!), `${menu}: unknown view ${m[1]}`);
      }
    }
    for (const w of contributes.viewsWelcome) {
      assert.ok(views.has(w.view));
      for (const m of (w.contents as string).matchAll(/command:([\w.]+)/g)) assert.ok(ids.has(m[1]!), `welcome links unknown ${m[1]}`);
    }
  });
  it('groups the settings in titled sections: Servers, Caps, Sampling, Memory Store, Advanced', () => {
    assert.deepEqual(sections.map((s) => s.title), ['Servers', 'Caps', 'Sampling', 'Memory Store', 'Advanced']);
    const keys = sections.flatMap((s) => Object.keys(s.properties));
    assert.equal(new Set(keys).size, keys.length, 'no setting in two sections');
  });
  it('names settings without unit suffixes (the Settings editor makes labels of them); old names are deprecated', () => {
    for (const [key, p] of Object.entries(allProps)) {
      if (p.markdownDeprecationMessage) continue;
      assert.doesNotMatch(key, /(MB|Ms|Sec|Percent|PerMin|Megabytes)$/, `${key} carries a unit in its label`);
      assert.ok(p.markdownDescription, `${key} has no markdownDescription`);
    }
  });
  it('declares every cap and interval with its default and bounds from src/shared/config.ts', () => {
    const props = allProps;
    for (const [engineKey, def] of Object.entries(DEFAULT_SETTINGS)) {
      const key = settingKey(engineKey as keyof typeof DEFAULT_SETTINGS);
      const p = props[`mcpWarden.${key}`];
      assert.ok(p, `mcpWarden.${key} missing`);
      assert.deepEqual(p.default, def, `mcpWarden.${key} default`);
      assert.ok(p.description || p.markdownDescription, `mcpWarden.${key} has no description`);
      if (engineKey in SETTING_BOUNDS) assert.deepEqual([p.minimum, p.maximum], [...SETTING_BOUNDS[engineKey as keyof typeof SETTING_BOUNDS]], `mcpWarden.${key} bounds`);
    }
    for (const k of ['nodePath', 'stateDir', 'configFiles', 'servers', 'autoStart']) assert.ok(props[`mcpWarden.${k}`], k);
    assert.equal(props['mcpWarden.autoStart'].default, true);
    // Gone with the problem it described: Warden no longer runs mcp.json's servers beside VS Code (it adopts them).
    assert.equal(props['mcpWarden.startServersAlsoStartedByVSCode'], undefined);
    assert.doesNotMatch(JSON.stringify(pkg), /startServersAlsoStartedByVSCode|not started automatically/i);
  });
  it('declares limited support for untrusted workspaces, and machine scope for the runtime path', () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.equal(allProps['mcpWarden.nodePath'].scope, 'machine');
    for (const [key, p] of Object.entries(allProps)) {
      if (p.scope === 'machine' && !p.markdownDeprecationMessage) assert.match(p.markdownDescription, /User settings, or .* remote window .* Remote settings/, key);
    }
  });
  it('declares every memory setting the code reads; only user settings can choose where memory text is sent', () => {
    const props = allProps;
    const read = new Set<string>();
    for (const text of sources(join(root, 'src', 'extension', 'memory'))) {
      for (const m of text.matchAll(/'(memory\.[\w.]+)'/g)) read.add(`mcpWarden.${m[1]}`);
    }
    assert.deepEqual([...read].sort(), Object.keys(props).filter((k) => k.startsWith('mcpWarden.memory.')).sort());
    assert.deepEqual(props['mcpWarden.memory.embeddings.provider'].enum, [...EMBEDDINGS_PROVIDERS]);
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const k of ['provider', 'url', 'apiKeyEnv']) {
      assert.equal(props[`mcpWarden.memory.embeddings.${k}`].scope, 'machine', k);
      assert.ok(restricted.includes(`mcpWarden.memory.embeddings.${k}`), k);
    }
  });
  it("validates Warden's own files with a schema whose caps are exactly the loader's, with its bounds", () => {
    const v = contributes.jsonValidation as { fileMatch: string[]; url: string }[];
    assert.ok(v.some((e) => e.fileMatch.includes('**/.vscode/mcp-warden.json')), 'no schema for .vscode/mcp-warden.json');
    // A file moved from mcp.json keeps its comments: it is JSON with comments, not flagged for them.
    assert.ok((contributes.languages as { id: string; filenamePatterns?: string[] }[]).some((l) => l.id === 'jsonc' && l.filenamePatterns?.includes('**/.vscode/mcp-warden.json')));
    const schema = JSON.parse(readFileSync(join(root, v[0]!.url), 'utf8'));
    const caps = schema.definitions.warden;
    assert.equal(caps.additionalProperties, false, 'an unknown cap is flagged, as the loader refuses it');
    assert.deepEqual(Object.keys(caps.properties).sort(), [...Object.keys(SETTING_BOUNDS), 'memoryAction', 'instances', 'lazy', ...Object.keys(SESSION_OPTION_BOUNDS)].sort());
    for (const [k, [min, max]] of Object.entries({ ...SETTING_BOUNDS, ...SESSION_OPTION_BOUNDS })) assert.deepEqual([caps.properties[k].minimum, caps.properties[k].maximum], [min, max], k);
    assert.deepEqual(caps.properties.instances.enum, [...INSTANCE_MODES]);
    assert.equal(schema.definitions.server.properties.warden.$ref, '#/definitions/warden');
  });
  it('ships the icons and webview assets it references', () => {
    for (const rel of [pkg.icon, 'media/warden.svg', 'media/graph.js', 'media/graph.css']) assert.ok(statSync(join(root, rel)).isFile(), rel);
  });
});
