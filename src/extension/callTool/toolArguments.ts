// Call Tool's arguments: parsed from the input box and checked against the tool's input schema with ajv, a template
// of the required fields, and a one-line description of each field. vscode-free so it is unit-tested.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { BoundedMap } from '../../shared/bounded';
import { toolParameters } from '../views/treePresent';

export type JsonSchema = Record<string, unknown>;

const MAX_ERRORS_SHOWN = 5;
/** Compiled validators per schema text; servers list up to 1000 tools, so this is bounded. */
const validators = new BoundedMap<string, ValidateFunction | string>(128);
// allErrors: the input box shows every problem at once. strict off and formats not validated: servers' schemas use
// keywords and formats beyond the draft Ajv knows, and an unknown one must not block a call.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

/** The validator for a schema, or a sentence saying why the schema itself could not be compiled. */
function validatorFor(schema: JsonSchema | undefined): ValidateFunction | string {
  const { $schema: _draft, ...rest } = { type: 'object', ...(schema ?? {}) } as JsonSchema;
  const key = JSON.stringify(rest);
  let v = validators.get(key);
  if (v === undefined) {
    try {
      v = ajv.compile(rest);
    } catch (err) {
      v = `the tool's input schema could not be read (${(err as Error).message}), so arguments are not checked`;
    }
    validators.set(key, v);
  }
  return v;
}

function describeError(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'arguments';
  if (e.keyword === 'required') return `${at === 'arguments' ? '' : `${at}: `}missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'enum') return `${at}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((x) => JSON.stringify(x)).join(', ')}`;
  return `${at}: ${e.message ?? 'is not valid'}`;
}

export type ParsedArguments = { ok: true; value: Record<string, unknown>; warning?: string } | { ok: false; message: string };

/** Parses the input box text as a JSON object and checks it against the tool's input schema. */
export function parseToolArguments(text: string, schema: JsonSchema | undefined): ParsedArguments {
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = trimmed === '' ? {} : JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `Arguments must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  const validate = validatorFor(schema);
  if (typeof validate === 'string') return { ok: true, value: value as Record<string, unknown>, warning: validate };
  if (validate(value)) return { ok: true, value: value as Record<string, unknown> };
  const errors = (validate.errors ?? []).map(describeError);
  const unique = [...new Set(errors)];
  const more = unique.length > MAX_ERRORS_SHOWN ? ` (and ${unique.length - MAX_ERRORS_SHOWN} more)` : '';
  return { ok: false, message: unique.slice(0, MAX_ERRORS_SHOWN).join('; ') + more };
}

/** A starting point for the input box: the required fields with placeholder values of the right type. */
export function argumentsTemplate(schema: JsonSchema | undefined): string {
  const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = Array.isArray(schema?.required) ? (schema!.required as string[]) : [];
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = placeholder(props[key]);
  return JSON.stringify(out);
}

/** "Fields: message (string, required): text to echo · delay (number)" for the input box's prompt. */
export function fieldsPrompt(schema: JsonSchema | undefined): string {
  const fields = toolParameters({ name: '', inputSchema: schema });
  return fields.length ? `Fields: ${fields.join(' · ')}` : 'This tool takes no arguments: press Enter to call it.';
}

function placeholder(s: JsonSchema | undefined): unknown {
  if (!s) return '';
  if ('default' in s) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (t) {
    case 'number':
    case 'integer':
      return typeof s.minimum === 'number' ? s.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
    case 'null':
      return null;
    default:
      return '';
  }
}
