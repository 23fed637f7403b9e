// Key canonicalisation as the 2014 decoder (Go encoding/json) did it: struct keys match
// case-insensitively with an exact match preferred, null means absent, map keys (namespaces,
// context) are exact. Unlike 2014, unknown keys are reported instead of silently ignored.
import { BAG, DOMAIN, MAP, type SchemaNode } from './annotations.js';
import { type ConfigIssue, issue, pointer } from './issues.js';
import { closest } from './suggest.js';

export interface Findings {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  strict: boolean;
  /** Canonical pointer -> input pointer of every key read under another spelling ("/CGROUPS"). */
  renamed?: Map<string, string>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property write that also works for a key named "__proto__". */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A JSON pointer built only when an issue needs it: the walk visits every key of every config. */
export type LazyPath = string | { parent: LazyPath; token: string | number };

function resolve(path: LazyPath): string {
  return typeof path === 'string' ? path : pointer(resolve(path.parent), path.token);
}

function hint(key: string, known: readonly string[], quote: boolean): string {
  const match = closest(key, known);
  if (match === undefined) return '';
  return quote ? `; did you mean "${match}"?` : `; did you mean ${match}?`;
}

/** A copy of `value` with canonical key spelling, nulls (and JS undefined) dropped and unknown keys reported (and
 *  dropped, except in free-form maps). Values of the wrong type are copied for the type check. */
export function normalise(
  schema: SchemaNode,
  value: unknown,
  path: LazyPath,
  found: Findings,
  canon: LazyPath = path,
): unknown {
  if (schema.type === 'array' && Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    return value.map((item, i) =>
      normalise(items, item, { parent: path, token: i }, found, { parent: canon, token: i }),
    );
  }
  if (schema.type !== 'object' || !isPlainObject(value)) return value;
  if (schema[MAP] === true) return normaliseMap(schema, value, path, found, canon);

  const { properties, known, byLowerCase } = shape(schema);
  const domain = schema[DOMAIN];
  const bag = schema[BAG] === true;
  const out: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();

  for (const key of Object.keys(value)) {
    const child = value[key];
    const at: LazyPath = { parent: path, token: key };
    let canonical: string | undefined = Object.hasOwn(properties, key) ? key : undefined;

    if (canonical === undefined && domain !== undefined) {
      // Map keys with a fixed vocabulary: Go compared them exactly, so "newpid" never worked.
      found.errors.push(issue(resolve(at), `unknown ${domain}${hint(key, known, false)}`, child));
      continue;
    }
    if (canonical === undefined && bag) {
      const list = strictOr(found);
      list.push(issue(resolve(at), `unknown key, not used by nsinit${hint(key, known, true)}`, child));
      if (child !== null && child !== undefined) put(out, key, child);
      continue;
    }
    const exact = canonical !== undefined;
    canonical ??= byLowerCase.get(key.toLowerCase());
    if (canonical === undefined) {
      const ignored = found.strict ? 'unknown key' : 'unknown key, ignored';
      strictOr(found).push(issue(resolve(at), `${ignored}${hint(key, known, true)}`, child));
      continue;
    }
    const earlier = spelledAs.get(canonical);
    if (earlier !== undefined) {
      found.errors.push(issue(resolve(at), `duplicate key: "${earlier}" already sets "${canonical}"`, child));
      continue;
    }
    const canonAt: LazyPath = { parent: canon, token: canonical };
    if (!exact) {
      strictOr(found).push(
        issue(resolve(at), `key differs from "${canonical}" only by case; read as "${canonical}"`),
      );
      found.renamed ??= new Map();
      found.renamed.set(resolve(canonAt), resolve(at));
    }
    spelledAs.set(canonical, key);
    if (child === null || child === undefined) continue;
    put(out, canonical, normalise(properties[canonical]!, child, at, found, canonAt));
  }
  return out;
}

/** A free-form map: keys are data, so they are kept exactly as written (no case folding, no
 *  warnings); nulls are dropped as elsewhere and values are read with the map's value schema. */
function normaliseMap(
  schema: SchemaNode,
  value: Record<string, unknown>,
  path: LazyPath,
  found: Findings,
  canon: LazyPath,
): Record<string, unknown> {
  const items = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (child === null || child === undefined) continue;
    const at: LazyPath = { parent: path, token: key };
    put(
      out,
      key,
      items === undefined ? child : normalise(items, child, at, found, { parent: canon, token: key }),
    );
  }
  return out;
}

interface Shape {
  properties: Record<string, SchemaNode>;
  known: readonly string[];
  byLowerCase: ReadonlyMap<string, string>;
}

const shapes = new WeakMap<SchemaNode, Shape>();

/** Per-schema key tables, computed once: validation runs on every container start. */
function shape(schema: SchemaNode): Shape {
  let s = shapes.get(schema);
  if (s === undefined) {
    const properties = schema.properties ?? {};
    const known = Object.keys(properties);
    s = { properties, known, byLowerCase: new Map(known.map((k) => [k.toLowerCase(), k])) };
    shapes.set(schema, s);
  }
  return s;
}

function strictOr(found: Findings): ConfigIssue[] {
  return found.strict ? found.errors : found.warnings;
}

/** Rewrite a pointer into the normalised config as a pointer into the input, so that issues found
 *  after normalising ("/cgroups/memory") point at what the user wrote ("/CGROUPS/Memory"). */
export function inputPath(path: string, renamed: ReadonlyMap<string, string> | undefined): string {
  if (renamed === undefined) return path;
  for (let prefix = path; prefix !== ''; prefix = prefix.slice(0, prefix.lastIndexOf('/'))) {
    const original = renamed.get(prefix);
    if (original !== undefined) return original + path.slice(prefix.length);
  }
  return path;
}
