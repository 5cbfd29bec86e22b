// Unit tests: Call Tool's argument checks (ajv against the tool's input schema), template, field prompt, result document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callDocumentText, callTitle } from '../../../src/extension/callTool/callRecord';
import { argumentsTemplate, fieldsPrompt, parseToolArguments } from '../../../src/extension/callTool/toolArguments';

const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    query: { type: 'string', description: 'What to search for', minLength: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 100 },
    mode: { enum: ['fast', 'exact'] },
    url: { type: 'string', format: 'uri' },
  },
  required: ['query'],
  additionalProperties: false,
};

describe('Call Tool arguments', () => {
  it('accepts arguments matching the schema (unknown formats are not a reason to refuse)', () => {
    assert.deepEqual(parseToolArguments('{"query":"x","limit":3,"url":"not checked"}', schema), { ok: true, value: { query: 'x', limit: 3, url: 'not checked' } });
    assert.deepEqual(parseToolArguments('', undefined), { ok: true, value: {} });
  });
  it('names every problem with its field', () => {
    const r = parseToolArguments('{"limit":"3","mode":"slow","extra":1}', schema);
    assert.equal(r.ok, false);
    const m = (r as { message: string }).message;
    assert.match(m, /missing required field "query"/);
    assert.match(m, /limit: must be integer/);
    assert.match(m, /mode: must be one of "fast", "exact"/);
    assert.match(m, /unknown field "extra"/);
  });
  it('refuses what is not a JSON object', () => {
    assert.match((parseToolArguments('[1]', schema) as { message: string }).message, /must be a JSON object, got an array/);
    assert.match((parseToolArguments('{', schema) as { message: string }).message, /^Not valid JSON/);
  });
  it('still calls a tool whose schema cannot be compiled, with a warning', () => {
    const r = parseToolArguments('{}', { type: 'object', properties: { a: { $ref: '#/nowhere' } } });
    assert.equal(r.ok, true);
    assert.match((r as { warning?: string }).warning ?? '', /could not be read/);
  });
  it('proposes the required fields and describes each field', () => {
    assert.equal(argumentsTemplate(schema), '{"query":""}');
    assert.equal(fieldsPrompt(schema), 'Fields: query (string, required): What to search for · limit (integer) · mode (any) · url (string)');
    assert.match(fieldsPrompt({ type: 'object' }), /takes no arguments/);
  });
});

describe('Call Tool result document', () => {
  const record = { id: 1, server: 'every/thing', tool: 'echo', arguments: { message: 'hi' }, at: 0, durationMs: 12, result: { content: [{ type: 'text', text: 'Echo: ```hi```' }] } };
  it('is titled "server › tool (12 ms)", with no slash in the title', () => {
    assert.equal(callTitle(record), 'every∕thing › echo (12 ms)');
    assert.equal(callTitle({ ...record, result: undefined, error: 'timeout' }), 'every∕thing › echo (failed)');
  });
  it('shows what was called, the text content readably, then the arguments and the whole result as JSON', () => {
    const text = callDocumentText({ ...record, result: { content: [{ type: 'text', text: 'line one\nline two' }] } });
    assert.match(text, /^\/\/ every\/thing › echo\n\/\/ Called at .* · took 12 ms · ok\n/);
    assert.match(text, /\/\/ Text content:\n\/\/ {3}line one\n\/\/ {3}line two\n\{\n {2}"arguments": \{\n {4}"message": "hi"/);
    assert.match(text, /"result": \{\n {4}"content"/);
    assert.doesNotMatch(text, /`/);
    const failed = callDocumentText({ ...record, result: undefined, error: '`x` did not answer' });
    assert.match(failed, /"error": "x did not answer"/);
  });
});
