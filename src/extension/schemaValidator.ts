// A small JSON-schema checker for tool arguments (types, required, properties, items, enum, bounds), so a bad call is caught before it leaves the editor.
// It covers what MCP tool schemas use in practice; unknown keywords are ignored rather than rejected.

export type JsonSchema = Record<string, unknown>;

const MAX_ERRORS = 20;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return actual === t;
}

/** Every problem with `value` against `schema`, each naming its path ("$.limit: expected integer, got string"). */
export function validateAgainstSchema(schema: JsonSchema | undefined, value: unknown, path = '$', errors: string[] = []): string[] {
  if (!schema || typeof schema !== 'object' || errors.length >= MAX_ERRORS) return errors;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length && !types.some((t) => matchesType(value, t))) {
    errors.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
    return errors;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((x) => JSON.stringify(x) === JSON.stringify(value))) {
    errors.push(`${path}: must be one of ${schema.enum.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: must be ≥ ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: must be ≤ ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${path}: must have at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errors.push(`${path}: must have at most ${schema.maxLength} characters`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${path}: needs at least ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: allows at most ${schema.maxItems} items`);
    if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
      value.forEach((item, i) => validateAgainstSchema(schema.items as JsonSchema, item, `${path}[${i}]`, errors));
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties && typeof schema.properties === 'object' ? schema.properties : {}) as Record<string, JsonSchema>;
    if (Array.isArray(schema.required)) {
      for (const key of schema.required as string[]) if (!(key in obj)) errors.push(`${path}: missing required property "${key}"`);
    }
    for (const [key, v] of Object.entries(obj)) {
      if (key in props) validateAgainstSchema(props[key], v, `${path}.${key}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown property "${key}"`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        validateAgainstSchema(schema.additionalProperties as JsonSchema, v, `${path}.${key}`, errors);
      }
    }
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = schema[keyword];
    if (Array.isArray(options) && options.length) {
      const ok = options.some((o) => validateAgainstSchema(o as JsonSchema, value, path, []).length === 0);
      if (!ok) errors.push(`${path}: matches none of the allowed shapes (${keyword})`);
    }
  }
  return errors.slice(0, MAX_ERRORS);
}

export type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** Parses the input box text as a JSON object and checks it against the tool's input schema. */
export function parseToolArguments(text: string, schema: JsonSchema | undefined): ParsedArguments {
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = trimmed === '' ? {} : JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: `Arguments must be a JSON object, got ${typeOf(value)}` };
  const errors = validateAgainstSchema({ type: 'object', ...(schema ?? {}) }, value);
  if (errors.length) return { ok: false, message: errors.join('; ') };
  return { ok: true, value: value as Record<string, unknown> };
}

/** A starting point for the input box: the required properties with placeholder values of the right type. */
export function argumentsTemplate(schema: JsonSchema | undefined): string {
  const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = Array.isArray(schema?.required) ? (schema!.required as string[]) : [];
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = placeholder(props[key]);
  return JSON.stringify(out);
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
