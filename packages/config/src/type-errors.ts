// Turns a failed schema check into messages a person can act on ("expected a number of bytes, got
// "512m""), walking the same JSON Schema subset the compiled validator checks. No kernel facility.
import {
  ALIASES,
  DOMAIN,
  EXPECTED,
  LIMIT_HINT,
  PATTERN_HINT,
  type SchemaNode,
  SUGGEST,
} from './annotations.js';
import { type ConfigIssue, describeValue, issue, pointer } from './issues.js';
import { isPlainObject } from './normalise.js';
import { closest } from './suggest.js';

const patterns = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = new RegExp(source, 'u');
    patterns.set(source, re);
  }
  return re;
}

function expected(schema: SchemaNode): string {
  if (schema[EXPECTED] !== undefined) return schema[EXPECTED];
  if (schema.enum !== undefined) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  switch (schema.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${schema.type ?? 'value'}`;
  }
}

function mismatch(schema: SchemaNode, value: unknown, path: string): ConfigIssue {
  return issue(path, `expected ${expected(schema)}, got ${describeValue(value)}`, value);
}

function enumIssue(schema: SchemaNode, value: unknown, path: string): ConfigIssue {
  const domain = schema[DOMAIN];
  const names = (schema.enum ?? []).filter((v): v is string => typeof v === 'string' && v !== '');
  if (domain === undefined || typeof value !== 'string' || names.length === 0)
    return mismatch(schema, value, path);
  const match = alias(schema, value) ?? closest(value, names);
  const message =
    match === undefined
      ? `unknown ${domain}; expected ${expected(schema)}`
      : `unknown ${domain}; did you mean ${match}?`;
  return issue(path, message, value);
}

function alias(schema: SchemaNode, value: string): string | undefined {
  const aliases = schema[ALIASES];
  if (aliases === undefined) return undefined;
  const wanted = value.toLowerCase();
  for (const [from, to] of Object.entries(aliases)) if (from.toLowerCase() === wanted) return to;
  return undefined;
}

/** Append to `out` every way `value` breaks `schema`; appends nothing when it conforms. */
export function typeErrors(schema: SchemaNode, value: unknown, path: string, out: ConfigIssue[]): void {
  if (schema.enum !== undefined) {
    if (!schema.enum.includes(value)) out.push(enumIssue(schema, value, path));
    return;
  }
  switch (schema.type) {
    case 'object':
      objectErrors(schema, value, path, out);
      return;
    case 'array':
      if (!Array.isArray(value)) out.push(mismatch(schema, value, path));
      else if (schema.minItems !== undefined && value.length < schema.minItems) {
        out.push(issue(path, `must have at least ${schema.minItems} entries, got ${value.length}`));
      } else if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        // One error for the list: walking a hostile million entries would only bury it.
        const why = schema[LIMIT_HINT] === undefined ? '' : ` (${schema[LIMIT_HINT]})`;
        out.push(issue(path, `must have at most ${schema.maxItems} entries${why}, got ${value.length}`));
      } else if (schema.items !== undefined) {
        for (let i = 0; i < value.length; i++) typeErrors(schema.items, value[i], pointer(path, i), out);
      }
      return;
    case 'string':
      stringErrors(schema, value, path, out);
      return;
    case 'integer':
    case 'number':
      numberErrors(schema, value, path, out);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(mismatch(schema, value, path));
      return;
  }
}

function objectErrors(schema: SchemaNode, value: unknown, path: string, out: ConfigIssue[]): void {
  if (!isPlainObject(value)) {
    out.push(mismatch(schema, value, path));
    return;
  }
  const properties = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) {
      out.push(issue(pointer(path, key), `missing required field; expected ${expected(properties[key]!)}`));
    }
  }
  for (const key of Object.keys(value)) {
    const at = pointer(path, key);
    const child = properties[key];
    if (child !== undefined && Object.hasOwn(properties, key)) typeErrors(child, value[key], at, out);
    else if (typeof schema.additionalProperties === 'object') {
      typeErrors(schema.additionalProperties, value[key], at, out);
    } else if (schema.additionalProperties === false) out.push(issue(at, 'unknown key', value[key]));
  }
}

function stringErrors(schema: SchemaNode, value: unknown, path: string, out: ConfigIssue[]): void {
  if (typeof value !== 'string') {
    out.push(mismatch(schema, value, path));
    return;
  }
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    out.push(issue(path, `must be at least ${schema.minLength} characters long, got ${length}`, value));
  } else if (schema.maxLength !== undefined && length > schema.maxLength) {
    out.push(issue(path, `must be at most ${schema.maxLength} characters long, got ${length}`, value));
  } else if (schema.pattern !== undefined && !regex(schema.pattern).test(value)) {
    const match = schema[SUGGEST] === undefined ? undefined : closest(value, schema[SUGGEST]);
    if (match !== undefined && schema[DOMAIN] !== undefined) {
      out.push(issue(path, `unknown ${schema[DOMAIN]}; did you mean ${match}?`, value));
      return;
    }
    const hint = schema[PATTERN_HINT] ?? `expected ${expected(schema)} matching /${schema.pattern}/`;
    out.push(issue(path, `${hint}, got ${describeValue(value)}`, value));
  }
}

function numberErrors(schema: SchemaNode, value: unknown, path: string, out: ConfigIssue[]): void {
  const ok = schema.type === 'integer' ? Number.isInteger(value) : Number.isFinite(value);
  if (!ok) {
    out.push(mismatch(schema, value, path));
    return;
  }
  const n = value as number;
  if (schema.minimum !== undefined && n < schema.minimum) {
    out.push(issue(path, `must be at least ${schema.minimum}, got ${n}`, value));
  } else if (schema.maximum !== undefined && n > schema.maximum) {
    out.push(issue(path, `must be at most ${schema.maximum}, got ${n}`, value));
  }
}
