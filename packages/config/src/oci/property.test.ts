// Property tests (fast-check) for validateOciConfig: random JSON and random mutations of real
// config.json files (runc, containerd, podman, and one with every field) never make it throw, it
// never accepts what the compiled type guard rejects, and every issue points into the input.
import fc from 'fast-check';
import Compile from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { fullOciConfig, OCI_FIXTURES } from '../../test/oci-fixtures.js';
import type { SchemaNode } from '../annotations.js';
import { type ConfigIssue, isOciConfig, OciConfigSchema, validateOciConfig } from '../index.js';
import { normalise } from '../normalise.js';
import { typeErrors } from '../type-errors.js';

const compiled = Compile(OciConfigSchema);
const isOciSchemaValid = (v: unknown) => compiled.Check(v);

type Json = unknown;
type Path = Array<string | number>;

// NSINIT_FC_RUNS raises the number of cases for a longer local search.
const RUNS = Number(process.env.NSINIT_FC_RUNS ?? 500);

/** Every location in a JSON document. */
function locations(doc: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) out.push(...locations(doc[i], [...at, i]));
  } else if (typeof doc === 'object' && doc !== null) {
    for (const [k, v] of Object.entries(doc)) out.push(...locations(v, [...at, k]));
  }
  return out;
}

type Mutation =
  | { kind: 'replace'; value: Json }
  | { kind: 'delete' }
  | { kind: 'rename'; key: string }
  | { kind: 'flipCase' }
  | { kind: 'insert'; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('rename' as const), key: fc.string({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('flipCase' as const) }),
  fc.record({
    kind: fc.constant('insert' as const),
    key: fc.string({ maxLength: 12 }),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
);

/** Apply a mutation at the location chosen by `pick` (a fraction of the locations). */
function mutate(doc: Json, pick: number, m: Mutation): Json {
  const copy = structuredClone(doc);
  const all = locations(copy);
  const path = all[Math.floor(pick * all.length) % all.length]!;
  if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
  let parent: any = copy;
  for (const token of path.slice(0, -1)) parent = parent[token];
  const last = path.at(-1)!;
  switch (m.kind) {
    case 'replace':
      parent[last] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'rename':
    case 'flipCase':
      if (!Array.isArray(parent)) {
        const key = m.kind === 'rename' ? m.key : swapCase(String(last));
        const value = parent[last];
        delete parent[last];
        parent[key] = value;
      }
      break;
    case 'insert': {
      const target = parent[last];
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) target[m.key] = m.value;
      else if (Array.isArray(target)) target.push(m.value);
      break;
    }
  }
  return copy;
}

function swapCase(s: string): string {
  return [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

/** Whether a JSON pointer names a value in `doc`. */
function resolves(doc: Json, pointer: string): boolean {
  let node: any = doc;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, token)) return false;
    node = node[token];
  }
  return true;
}
const parentOf = (pointer: string) => pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));

/** The invariants every result must keep, whatever the input. */
function checkResult(input: Json): void {
  const before = JSON.stringify(input);
  const result = validateOciConfig(input);
  expect(JSON.stringify(input)).toBe(before);
  if (result.ok) {
    expect(isOciConfig(result.config)).toBe(true);
    // The validated copy validates again, unchanged and without errors.
    const again = validateOciConfig(result.config);
    expect(again.ok && again.config).toEqual(result.config);
  } else {
    expect(result.errors.length).toBeGreaterThan(0);
  }
  for (const i of [...(result.ok ? [] : result.errors), ...result.warnings]) {
    expect(i.path === '' || i.path.startsWith('/')).toBe(true);
    // Paths point into the input as written: at the value, or at where a missing field belongs
    // (at most two levels below something that exists, e.g. a veth's absent context/bridge).
    expect([
      i.path,
      resolves(input, parentOf(i.path)) || resolves(input, parentOf(parentOf(i.path))),
    ]).toEqual([i.path, true]);
    expect(i.message).toMatch(/^[^\s.A-Z]|^[A-Z]{2}|^IPv/);
    expect(i.message).not.toMatch(/\.$/);
    // Never typebox's own wording: the readable walker must explain every failed check.
    expect(i.message).not.toMatch(
      /must be equal to|must match pattern|must have required|must be (string|integer|boolean|object|array)\b/,
    );
  }
}

const bases = (): Json[] => [...OCI_FIXTURES.map((f) => f.config()), fullOciConfig()];
const mutated = (muts: Array<[number, Mutation]>, which: number): Json => {
  const all = bases();
  let doc = all[which % all.length];
  for (const [pick, m] of muts) doc = mutate(doc, pick, m);
  return doc;
};
const mutations = fc.array(
  fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), mutation),
  {
    minLength: 1,
    maxLength: 4,
  },
);

describe('validateOciConfig on arbitrary input', () => {
  it('never throws and only accepts what the type guard accepts (random JSON)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (json) => checkResult(json)),
      { numRuns: RUNS },
    );
  });

  it('never throws on objects with config.json keys and random values', () => {
    const keys = Object.keys((OciConfigSchema as unknown as SchemaNode).properties!);
    const doc = fc.dictionary(
      fc.constantFrom(...keys, 'Process', 'LINUX', 'x'),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(doc, (json) => checkResult(json)),
      { numRuns: RUNS },
    );
  });

  it('never throws and only accepts what the type guard accepts (mutated real configs)', () => {
    fc.assert(
      fc.property(mutations, fc.nat(), (muts, which) => checkResult(mutated(muts, which))),
      { numRuns: RUNS * 2 },
    );
  });

  it('reads every fixture the same whatever the case of its struct keys; map keys stay as written', () => {
    // Keys under these are data (Go map[string]...), so they are never folded.
    const mapParents = new Set(['annotations', 'sysctl', 'unified', 'rdma']);
    const flipStructKeys = (v: Json, flips: boolean[], parentKey: string, i = { n: 0 }): Json => {
      if (Array.isArray(v)) return v.map((x) => flipStructKeys(x, flips, '', i));
      if (typeof v !== 'object' || v === null) return v;
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => {
          const flip = !mapParents.has(parentKey) && k !== '$schema' && flips[i.n++ % flips.length];
          return [flip ? swapCase(k) : k, flipStructKeys(x, flips, k, i)];
        }),
      );
    };
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.nat(), (flips, which) => {
        const all = bases();
        const original = all[which % all.length];
        const result = validateOciConfig(flipStructKeys(original, flips, ''));
        expect(result.ok && result.config).toEqual(original);
      }),
      { numRuns: 200 },
    );
  });

  it('explains every schema failure: the readable walker and the compiled check agree', () => {
    const root = OciConfigSchema as unknown as SchemaNode;
    const arb = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.tuple(mutations, fc.nat()).map(([m, w]) => mutated(m, w)),
    );
    fc.assert(
      fc.property(arb, (json) => {
        const normalised = normalise(root, json, '', { errors: [], warnings: [], strict: false });
        const issues: ConfigIssue[] = [];
        typeErrors(root, normalised, '', issues);
        expect([issues.length === 0, issues]).toEqual([isOciSchemaValid(normalised), issues]);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
