// Unit tests: Choosing the Node runtime for the helper: setting, editor runtime, node on PATH.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeAttempts, execProbe, findNodeRuntime, parseNodeMajor, type RuntimeProbe } from '../../../src/extension/runtime';

const versions: Record<string, string> = { '/opt/node20': '20.11.0', '/opt/node22': '22.3.0', node: '24.1.0' };
const probe: RuntimeProbe = async (cmd) => {
  const v = versions[cmd];
  if (!v) throw Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' });
  return { version: v, execPath: cmd === 'node' ? '/usr/bin/node' : cmd };
};
const editor = { editorExecPath: '/app/code', editorNodeVersion: '20.18.0', editorIsElectron: true, probe };

describe('Node runtime finder', () => {
  it('parses majors from "v24.1.0" and "22.3.0"', () => {
    assert.equal(parseNodeMajor('v24.1.0'), 24);
    assert.equal(parseNodeMajor('22.3.0'), 22);
    assert.equal(parseNodeMajor('garbage'), null);
  });
  it('uses mcpWarden.nodePath when it is Node 22+', async () => {
    const r = await findNodeRuntime({ ...editor, settingPath: '/opt/node22' });
    assert.equal(r.ok && r.choice.source, 'setting');
    assert.equal(r.ok && r.choice.path, '/opt/node22');
  });
  it('never falls back when the configured runtime is too old, and says what it found', async () => {
    const r = await findNodeRuntime({ ...editor, settingPath: '/opt/node20', editorNodeVersion: '24.0.0' });
    assert.equal(r.ok, false);
    assert.match(describeAttempts(r.attempts), /mcpWarden\.nodePath \(\/opt\/node20\): Node 20\.11\.0/);
  });
  it("uses the editor's runtime when it is Node 22+, with ELECTRON_RUN_AS_NODE under Electron", async () => {
    const r = await findNodeRuntime({ ...editor, settingPath: '', editorNodeVersion: '22.15.1' });
    assert.ok(r.ok);
    assert.equal(r.choice.source, 'editor');
    assert.deepEqual(r.choice.env, { ELECTRON_RUN_AS_NODE: '1' });
    const plain = await findNodeRuntime({ ...editor, settingPath: undefined, editorNodeVersion: '24.0.0', editorIsElectron: false });
    assert.deepEqual(plain.ok && plain.choice.env, {});
  });
  it('falls back to node on PATH, resolved to an absolute path', async () => {
    const r = await findNodeRuntime({ ...editor, settingPath: undefined });
    assert.ok(r.ok);
    assert.equal(r.choice.source, 'path');
    assert.equal(r.choice.path, '/usr/bin/node');
  });
  it('reports every candidate when none qualifies', async () => {
    const r = await findNodeRuntime({ ...editor, settingPath: undefined, probe: async () => ({ version: '18.0.0', execPath: '/usr/bin/node' }) });
    assert.equal(r.ok, false);
    assert.equal(describeAttempts(r.attempts), "the editor's runtime (/app/code): Node 20.18.0; `node` on PATH (/usr/bin/node): Node 18.0.0");
  });
  it('probes a real executable for its version and absolute path', async () => {
    const r = await execProbe(process.execPath, {});
    assert.equal(r.version, process.versions.node);
    assert.equal(r.execPath, process.execPath);
    await assert.rejects(execProbe('/nonexistent/node', {}), { code: 'ENOENT' });
  });
});
