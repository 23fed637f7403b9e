// Error-message annotations carried on schema nodes under symbol keys, so JSON.stringify (and thus
// schema.json) never sees them while the validator can phrase errors per field. No kernel facility.
import type { TSchema } from 'typebox';

/** What a field expects, in words: "a number of bytes". Used in "expected ..., got ..." messages. */
export const EXPECTED: unique symbol = Symbol('nsinit.config.expected');
/** The noun for an enum's values ("capability"): "unknown capability; did you mean SYS_ADMIN?". */
export const DOMAIN: unique symbol = Symbol('nsinit.config.domain');
/** The message for a failed `pattern`, e.g. 'expected "NAME=value"'. */
export const PATTERN_HINT: unique symbol = Symbol('nsinit.config.pattern-hint');
/** Marks an object whose keys are free-form (a map): unknown keys stay, with a warning. */
export const BAG: unique symbol = Symbol('nsinit.config.bag');
/** Why a list stops at its maxItems: "must have at most 64 entries (<this>)". */
export const LIMIT_HINT: unique symbol = Symbol('nsinit.config.limit-hint');
/** Marks a map whose keys are free-form by design (OCI annotations, sysctl): every key is kept, no
 *  warning, and each value is read with the `additionalProperties` schema. */
export const MAP: unique symbol = Symbol('nsinit.config.map');
/** Other spellings of an enum's values (container.json's "NEWPID" for OCI's "pid"), matched
 *  case-insensitively for "did you mean" when edit distance finds nothing. */
export const ALIASES: unique symbol = Symbol('nsinit.config.aliases');
/** Names a string with a `pattern` is usually one of, for a did-you-mean when the pattern fails
 *  (OCI capability names are an open set, so they are a pattern, not an enum). */
export const SUGGEST: unique symbol = Symbol('nsinit.config.suggest');

export interface Annotations {
  [EXPECTED]?: string;
  [DOMAIN]?: string;
  [PATTERN_HINT]?: string;
  [BAG]?: boolean;
  [LIMIT_HINT]?: string;
  [MAP]?: boolean;
  [SUGGEST]?: readonly string[];
  [ALIASES]?: Readonly<Record<string, string>>;
}

/** A schema node as the error walker sees it: plain JSON Schema plus the annotations above. */
export type SchemaNode = TSchema &
  Annotations & {
    type?: string;
    enum?: readonly unknown[];
    properties?: Record<string, SchemaNode>;
    required?: readonly string[];
    additionalProperties?: boolean | SchemaNode;
    items?: SchemaNode;
    pattern?: string;
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    maxItems?: number;
    description?: string;
    default?: unknown;
  };

/** Attach annotations to a schema node and return it with its type unchanged. */
export function annotate<T extends TSchema>(schema: T, notes: Annotations): T {
  const target = schema as T & Annotations;
  if (notes[EXPECTED] !== undefined) target[EXPECTED] = notes[EXPECTED];
  if (notes[DOMAIN] !== undefined) target[DOMAIN] = notes[DOMAIN];
  if (notes[PATTERN_HINT] !== undefined) target[PATTERN_HINT] = notes[PATTERN_HINT];
  if (notes[BAG] !== undefined) target[BAG] = notes[BAG];
  if (notes[LIMIT_HINT] !== undefined) target[LIMIT_HINT] = notes[LIMIT_HINT];
  if (notes[MAP] !== undefined) target[MAP] = notes[MAP];
  if (notes[SUGGEST] !== undefined) target[SUGGEST] = notes[SUGGEST];
  if (notes[ALIASES] !== undefined) target[ALIASES] = notes[ALIASES];
  return schema;
}
