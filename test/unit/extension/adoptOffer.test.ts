// Unit tests: when Warden offers to adopt a workspace's mcp.json (once per window, trusted only, never after "Never"),
// where Add Server writes (Warden's files, never mcp.json), and which other clients VS Code discovers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addServerTargets, needsTargetPick } from '../../../src/extension/commands/addServerTarget';
import { answerOf, OFFER_BUTTONS, offerMessage, offerWhere, rememberAnswer, shouldOffer } from '../../../src/extension/adopt/offer';
import { discoveredClients } from '../../../src/extension/adopt/otherClients';

describe('the adoption offer', () => {
  const base = { trusted: true, adoptable: ['a', 'b'], memory: undefined, offeredThisWindow: false };
  it('offers when a trusted workspace has servers to adopt and none was offered in this window', () => {
    assert.equal(shouldOffer(base), true);
  });
  it('offers nothing in an untrusted workspace, with nothing to adopt, or a second time in one window', () => {
    assert.equal(shouldOffer({ ...base, trusted: false }), false);
    assert.equal(shouldOffer({ ...base, adoptable: [] }), false);
    assert.equal(shouldOffer({ ...base, offeredThisWindow: true }), false);
  });
  it('"Never for this workspace" is remembered; "Not now" and a closed toast ask again in the next window', () => {
    const never = rememberAnswer(undefined, answerOf(OFFER_BUTTONS.never));
    assert.deepEqual(never, { never: true });
    assert.equal(shouldOffer({ ...base, memory: never }), false);
    for (const b of [OFFER_BUTTONS.notNow, undefined]) {
      const m = rememberAnswer(undefined, answerOf(b));
      assert.equal(shouldOffer({ ...base, memory: m }), true, `after ${b}, a new window offers again`);
    }
    assert.equal(answerOf(OFFER_BUTTONS.adopt), 'adopt');
    assert.equal(answerOf(undefined), 'dismissed');
  });
  it('names the servers and where they are', () => {
    assert.match(offerMessage(offerWhere(['app'], false), ['a', 'b']), /"a" and "b" from \.vscode\/mcp\.json: it moves them to \.vscode\/mcp-warden\.json/);
    assert.match(offerMessage(offerWhere(['app'], true), ['a']), /"a" from app's \.vscode\/mcp\.json/);
    assert.match(offerMessage(offerWhere(['x', 'y'], true), ['a', 'b', 'c', 'd']), /"a", "b", "c" and 1 more from the \.vscode\/mcp\.json files of x, y/);
  });
});

describe('Add Server target', () => {
  const user = '/home/u/.config/mcp-warden/servers.json';
  it("writes to the one folder's .vscode/mcp-warden.json without asking, never to mcp.json", () => {
    const t = addServerTargets([{ name: 'app', fsPath: '/ws/app' }], user);
    assert.equal(t[0]!.path, '/ws/app/.vscode/mcp-warden.json');
    assert.equal(t[0]!.userLevel, false);
    assert.equal(needsTargetPick(t), false);
    assert.ok(t.every((x) => !x.path.endsWith('/mcp.json')));
  });
  it("writes to Warden's user config (0600: it holds env values) when no folder is open", () => {
    const t = addServerTargets([], user);
    assert.deepEqual(t.map((x) => [x.path, x.userLevel]), [[user, true]]);
    assert.equal(needsTargetPick(t), false);
  });
  it('asks which file with several folders, the user config among them', () => {
    const t = addServerTargets([{ name: 'a', fsPath: '/ws/a' }, { name: 'b', fsPath: '/ws/b' }], user);
    assert.equal(needsTargetPick(t), true);
    assert.deepEqual(t.map((x) => x.label), ['a: .vscode/mcp-warden.json', 'b: .vscode/mcp-warden.json', 'Warden user config']);
  });
});

describe("other clients' servers VS Code discovers", () => {
  it('reads chat.mcp.discovery.enabled as a boolean or a map', () => {
    assert.deepEqual(discoveredClients(true), ['claude-desktop', 'cursor']);
    assert.deepEqual(discoveredClients(false), []);
    assert.deepEqual(discoveredClients(undefined), []);
    assert.deepEqual(discoveredClients({ 'cursor-global': true, 'claude-desktop': false, windsurf: true }), ['cursor']);
    assert.deepEqual(discoveredClients({ 'cursor-workspace': true, 'claude-desktop': true }), ['claude-desktop', 'cursor']);
    assert.deepEqual(discoveredClients(['claude-desktop']), []);
  });
});
