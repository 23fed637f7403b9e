// Field builders for the OCI runtime-spec config.json: the Go integer widths the spec uses (uint32
// ids, int64 cgroup values, uint64 limits), string lists and free-form maps, each with a description
// and its default. No kernel facility.
import Type, {
  type Static,
  type TArray,
  type TBoolean,
  type TInteger,
  type TSchema,
  type TString,
} from 'typebox';
import { annotate, DOMAIN, EXPECTED, LIMIT_HINT, MAP, PATTERN_HINT } from '../annotations.js';
import { MAX_ARG_STRING, MAX_STRING } from '../fields.js';
import { LIST_LIMIT_REASONS, LIST_LIMITS } from '../limits.js';

/** (uid_t)-1 and (gid_t)-1 mean "unchanged" to setresuid(2)/chown(2), so the largest usable id is
 *  one less than 2^32-1. */
export const MAX_ID = 4294967294;
export const MAX_U32 = 4294967295;
/** JSON numbers are doubles: integers above 2^53 are not exact. uint64 fields accept up to 2^64
 *  (what 18446744073709551615 parses to) and int64 fields the doubles in range. */
export const MAX_U64 = 2 ** 64;
export const MIN_I64 = -(2 ** 63);
export const MAX_I64 = 2 ** 63;
const INEXACT = ' Values above 2^53 lose precision in JSON and are read as the nearest double.';

export interface IntOptions {
  default?: number;
  minimum?: number;
  maximum?: number;
  expected?: string;
}

function integer(description: string, min: number, max: number, o: IntOptions, fallback: string): TInteger {
  const schema = Type.Integer({
    description,
    default: o.default ?? 0,
    minimum: o.minimum ?? min,
    maximum: o.maximum ?? max,
  });
  return annotate(schema, { [EXPECTED]: o.expected ?? fallback });
}

export const u16 = (d: string, o: IntOptions = {}) => integer(d, 0, 65535, o, 'an integer from 0 to 65535');
export const u32 = (d: string, o: IntOptions = {}) =>
  integer(d, 0, MAX_U32, o, 'an integer from 0 to 4294967295');
export const i32 = (d: string, o: IntOptions = {}) =>
  integer(d, -2147483648, 2147483647, o, 'a 32-bit signed integer');
export const u64 = (d: string, o: IntOptions = {}) =>
  integer(d + INEXACT, 0, MAX_U64, o, 'a non-negative integer');
export const i64 = (d: string, o: IntOptions = {}) => integer(d + INEXACT, MIN_I64, MAX_I64, o, 'an integer');

/** A user or group id as the spec types it (uint32), capped below (uid_t)-1. */
export const id = (d: string) =>
  integer(d, 0, MAX_ID, {}, 'a user or group id (an integer from 0 to 4294967294)');

export function flag(description: string, defaultValue = false): TBoolean {
  return annotate(Type.Boolean({ description, default: defaultValue }), { [EXPECTED]: 'true or false' });
}

export interface TextOptions {
  default?: string;
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  expected?: string;
  patternHint?: string;
}

export function text(description: string, o: TextOptions = {}): TString {
  const schema = Type.String({
    description,
    default: o.default ?? '',
    ...(o.pattern === undefined ? {} : { pattern: o.pattern }),
    ...(o.minLength === undefined ? {} : { minLength: o.minLength }),
    maxLength: o.maxLength ?? MAX_STRING,
  });
  return annotate(schema, {
    [EXPECTED]: o.expected ?? 'a string',
    ...(o.patternHint === undefined ? {} : { [PATTERN_HINT]: o.patternHint }),
  });
}

/** A path string: at most PATH_MAX-1 bytes; absolute-ness is a semantic check where the spec needs it. */
export const path = (d: string, o: TextOptions = {}) => text(d, { expected: 'a path', ...o });

export interface ListOptions {
  maxItems?: number;
  minItems?: number;
  default?: unknown[];
  /** Why the list stops at maxItems, shown in the error. */
  why?: string;
  /** Take maxItems and its reason from the container.json limits (limits.ts) for the same list. */
  limit?: keyof typeof LIST_LIMITS;
}

export function list<T extends TSchema>(items: T, description: string, o: ListOptions = {}): TArray<T> {
  const maxItems = o.limit === undefined ? o.maxItems : LIST_LIMITS[o.limit];
  const why = o.limit === undefined ? o.why : LIST_LIMIT_REASONS[o.limit];
  return annotate(
    Type.Array(items, {
      description: maxItems === undefined ? description : `${description} At most ${maxItems} entries.`,
      default: o.default ?? [],
      ...(o.minItems === undefined ? {} : { minItems: o.minItems }),
      ...(maxItems === undefined ? {} : { maxItems }),
    }),
    { [EXPECTED]: 'an array', ...(why === undefined ? {} : { [LIMIT_HINT]: why }) },
  );
}

/** A list of strings of at most `maxLength` characters each (args and env take execve's limit). */
export function strings(description: string, item: string, maxLength = MAX_STRING, o: ListOptions = {}) {
  return list(text(item, { maxLength }), description, o);
}
export const argStrings = (d: string, item: string) =>
  strings(d, item, MAX_ARG_STRING, { limit: 'environment' });

/** A JSON object used as a map from free-form keys to `value`: every key is data, never "unknown". */
export function map<V extends TSchema>(value: V, description: string, expected: string) {
  const schema = Type.Unsafe<Record<string, Static<V>>>(
    Type.Object({}, { additionalProperties: value, description, default: {} }),
  );
  return annotate(schema, { [MAP]: true, [EXPECTED]: expected });
}

/** A closed set of strings; `domain` names them in "unknown <domain>; did you mean ...?". */
export function oneOf<const V extends readonly string[]>(
  values: V,
  description: string,
  domain: string,
  expected: string,
  defaultValue: V[number] = values[0]!,
) {
  return annotate(Type.Enum([...values] as V[number][], { description, default: defaultValue }), {
    [EXPECTED]: expected,
    [DOMAIN]: domain,
  });
}
