// Unit tests: where a server's memory limit comes from, the proposed value, and an edit that keeps comments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLimitOrigin, proposeLimitMB, setJsoncValue, validateLimitMB } from '../../../src/extension/config/limitEdit';

const FILE = `// my servers
{
  "warden": { "memoryLimitMB": 512 }, // file default
  "servers": {
    /* leaks */
    "leaky": { "command": "node", "warden": { "memoryLimitMB": 160, "memoryAction": "kill" } },
    "plain": { "command": "node", },
  },
}
`;

describe('Raise Memory Limit', () => {
  it("finds the server's own limit first, then the file's, else the setting", () => {
    assert.deepEqual(findLimitOrigin(FILE, 'leaky'), { kind: 'server', path: ['servers', 'leaky', 'warden', 'memoryLimitMB'], valueMB: 160 });
    assert.deepEqual(findLimitOrigin(FILE, 'plain'), { kind: 'file', path: ['warden', 'memoryLimitMB'], valueMB: 512 });
    assert.deepEqual(findLimitOrigin('{"mcpServers": {"x": {"command": "y"}}}', 'x'), { kind: 'setting' });
    assert.deepEqual(findLimitOrigin('{"mcpServers": {"x": {"warden": {"memoryLimitMB": 64}}}}', 'x').kind, 'server');
    assert.deepEqual(findLimitOrigin('not json at all', 'x'), { kind: 'setting' });
  });
  it('edits only the value, keeping comments and trailing commas', () => {
    const out = setJsoncValue(FILE, ['servers', 'leaky', 'warden', 'memoryLimitMB'], 256);
    assert.equal(out, FILE.replace('"memoryLimitMB": 160', '"memoryLimitMB": 256'));
  });
  it('proposes a round figure above the current limit and what was used', () => {
    assert.equal(proposeLimitMB(160), 256);
    assert.equal(proposeLimitMB(1024), 1536);
    assert.equal(proposeLimitMB(160, 300), 384);
  });
  it('checks the typed value', () => {
    assert.equal(validateLimitMB('256'), undefined);
    assert.match(validateLimitMB('12')!, /At least 16/);
    assert.match(validateLimitMB('1.5')!, /whole number/);
  });
});
