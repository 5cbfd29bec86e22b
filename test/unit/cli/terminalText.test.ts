// What the memory CLI prints of stored text: control characters, C1 and bidi overrides as visible escapes; JSON
// that stays valid and exact while carrying none of them raw.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { escapeForTerminal, jsonForTerminal } from '../../../src/cli/terminalText';

describe('terminal text', () => {
  it('shows ESC, BEL, CR, DEL, C1 and bidi overrides as escapes, keeping newlines, tabs and ordinary Unicode', () => {
    assert.equal(escapeForTerminal('a\u001b[2Jb\u0007c\rd\u007fe\u009bf'), 'a\\x1b[2Jb\\x07c\\x0dd\\x7fe\\x9bf');
    assert.equal(escapeForTerminal('admin\u202e\u2066txt.exe'), 'admin\\u202e\\u2066txt.exe');
    assert.equal(escapeForTerminal('line one\n\tcafé ✓ 日本'), 'line one\n\tcafé ✓ 日本');
  });

  it('keeps JSON parseable to the exact text', () => {
    const value = { content: 'x\u001b]0;title\u0007y\u009b\u202ez' };
    const out = jsonForTerminal(value);
    assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u202e]/);
    assert.deepEqual(JSON.parse(out), value);
  });
});
