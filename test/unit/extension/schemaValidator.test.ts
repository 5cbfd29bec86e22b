// Unit tests: The tool-argument validator used by Call Tool.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argumentsTemplate, parseToolArguments, validateAgainstSchema } from '../../../src/extension/schemaValidator';

const schema = {
  type: 'object',
  properties: {
    query: { type: 'string', minLength: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 100 },
    tags: { type: 'array', items: { type: 'string' } },
    mode: { type: 'string', enum: ['fast', 'exact'] },
  },
  required: ['query'],
};

describe('tool argument validation', () => {
  it('accepts arguments that match the schema', () => {
    assert.deepEqual(parseToolArguments('{"query":"x","limit":5,"tags":["a"],"mode":"fast"}', schema), {
      ok: true,
      value: { query: 'x', limit: 5, tags: ['a'], mode: 'fast' },
    });
  });
  it('names a missing required property', () => {
    const r = parseToolArguments('{"limit":5}', schema);
    assert.equal(r.ok, false);
    assert.match((r as { message: string }).message, /missing required property "query"/);
  });
  it('names wrong types with their path, including array items', () => {
    const errors = validateAgainstSchema(schema, { query: 1, limit: 1.5, tags: ['a', 2] });
    assert.deepEqual(errors, ['$.query: expected string, got integer', '$.limit: expected integer, got number', '$.tags[1]: expected string, got integer']);
  });
  it('checks enum values and numeric bounds', () => {
    assert.deepEqual(validateAgainstSchema(schema, { query: 'q', limit: 0, mode: 'slow' }), ['$.limit: must be ≥ 1', '$.mode: must be one of "fast", "exact"']);
  });
  it('rejects text that is not JSON, or not an object', () => {
    assert.match((parseToolArguments('{query:', schema) as { message: string }).message, /Not valid JSON/);
    assert.match((parseToolArguments('[1]', schema) as { message: string }).message, /must be a JSON object, got array/);
  });
  it('treats empty input as {} (for tools without required arguments)', () => {
    assert.deepEqual(parseToolArguments('  ', { type: 'object', properties: {} }), { ok: true, value: {} });
  });
  it('rejects unknown properties only when additionalProperties is false', () => {
    assert.deepEqual(validateAgainstSchema({ type: 'object', additionalProperties: false }, { x: 1 }), ['$: unknown property "x"']);
    assert.deepEqual(validateAgainstSchema({ type: 'object' }, { x: 1 }), []);
  });
  it('accepts a value matching one of anyOf, and integers where numbers are expected', () => {
    const s = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
    assert.deepEqual(validateAgainstSchema(s, ['a']), []);
    assert.equal(validateAgainstSchema(s, 3).length, 1);
    assert.deepEqual(validateAgainstSchema({ type: 'number' }, 3), []);
  });
  it('prefills the required properties with placeholders of the right type', () => {
    assert.equal(argumentsTemplate(schema), '{"query":""}');
    assert.equal(argumentsTemplate({ type: 'object', properties: { n: { type: 'integer', minimum: 2 }, b: { type: 'boolean' } }, required: ['n', 'b'] }), '{"n":2,"b":false}');
  });
});
