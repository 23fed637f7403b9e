// Small builders for schema fields so every field carries a description, its default and the words
// used in error messages. No kernel facility; see schema*.ts for what each field does.
import Type, { type TArray, type TBoolean, type TInteger, type TSchema, type TString } from 'typebox';
import { annotate, EXPECTED, LIMIT_HINT, PATTERN_HINT } from './annotations.js';
import { LIST_LIMIT_REASONS, LIST_LIMITS } from './limits.js';

/** The longest string a field takes unless it says otherwise: PATH_MAX (4096) minus the NUL, the
 *  kernel's limit for a path and for a mount's option string (which carries the SELinux label). */
export const MAX_STRING = 4095;
/** The longest single argument or environment entry execve(2) accepts (MAX_ARG_STRLEN minus NUL). */
export const MAX_ARG_STRING = 128 * 1024 - 1;

/** Largest integer JSON numbers carry exactly; Go's int64 fields are capped here. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function bool(description: string, defaultValue = false): TBoolean {
  return annotate(Type.Boolean({ description, default: defaultValue }), { [EXPECTED]: 'true or false' });
}

export interface StringOptions {
  default?: string;
  pattern?: string;
  maxLength?: number;
  expected?: string;
  patternHint?: string;
}

export function str(description: string, o: StringOptions = {}): TString {
  const schema = Type.String({
    description,
    default: o.default ?? '',
    ...(o.pattern === undefined ? {} : { pattern: o.pattern }),
    maxLength: o.maxLength ?? MAX_STRING,
  });
  return annotate(schema, {
    [EXPECTED]: o.expected ?? 'a string',
    ...(o.patternHint === undefined ? {} : { [PATTERN_HINT]: o.patternHint }),
  });
}

export interface IntegerOptions {
  default?: number;
  minimum?: number;
  maximum?: number;
  expected?: string;
}

export function int(description: string, o: IntegerOptions = {}): TInteger {
  const schema = Type.Integer({
    description,
    default: o.default ?? 0,
    minimum: o.minimum ?? -MAX_SAFE,
    maximum: o.maximum ?? MAX_SAFE,
  });
  return annotate(schema, { [EXPECTED]: o.expected ?? 'an integer' });
}

/** An absolute path: the pattern is what editors check; the hint is what people read. */
export const ABSOLUTE_PATH = '^/';
export const ABSOLUTE_PATH_HINT = 'expected an absolute path (starting with "/")';

/** A list capped at what the runtime carries (limits.ts), with the reason in its error message. */
export function list<T extends TSchema>(
  name: keyof typeof LIST_LIMITS,
  items: T,
  o: { description: string },
): TArray<T> {
  const max = LIST_LIMITS[name];
  const schema = Type.Array(items, {
    description: `${o.description} At most ${max} entries.`,
    default: [],
    maxItems: max,
  });
  return annotate(schema, { [LIMIT_HINT]: LIST_LIMIT_REASONS[name] });
}
