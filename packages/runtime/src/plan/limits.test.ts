// A config at every list limit @nsinit/config enforces, with the longest strings validation lets
// through, compiles to a plan the native decoder takes (at most 4096 steps and 8 MiB), so whatever
// `config validate` passes the runtime can carry. Random configs within the limits likewise.
import { LIST_LIMITS, RLIMIT_NAMES, validateConfig } from '@nsinit/config';
import { encodePlan } from '@nsinit/native';
import { createNativeFake } from '@nsinit/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { from2014, type PlanConfig } from '../spec/from-2014.js';
import { compilePlan, type KernelTables } from './compile.js';

const fake = createNativeFake();
const tables: KernelTables = {
  capabilities: fake.capabilities,
  rlimits: fake.rlimits,
  constants: fake.constants,
};
const PLAN_MAX_BYTES = 8 << 20; // NSINIT_PLAN_MAX_BYTES
const PLAN_MAX_STEPS = 4096; // NSINIT_MAX_STEPS

function compileValid(config: Record<string, unknown>, argv = ['/bin/true']) {
  const r = validateConfig(config);
  if (!r.ok) return { valid: false as const, errors: r.errors };
  const plan = compilePlan(from2014(r.config as PlanConfig), {
    rootfs: `/${'r'.repeat(4000)}`,
    argv,
    tables,
    identity: { uid: 0, gid: 0, groups: [] },
    stdio: [0, 1, 2],
    consoleFd: 9,
  });
  return { valid: true as const, steps: plan.steps.length, bytes: encodePlan(plan).length };
}

/** Entries made unique by a zero-padded index, each `len` characters long. */
const unique = (prefix: string, i: number, len: number) =>
  `${prefix}${String(i).padStart(5, '0')}${'x'.repeat(Math.max(0, len - prefix.length - 5))}`;

const base = () => ({
  namespaces: { NEWNS: true, NEWUTS: true, NEWPID: true, NEWIPC: true, NEWNET: true },
  hostname: 'h'.repeat(64),
  readonly_fs: true,
  tty: true,
  context: { restrictions: 'true' },
  capabilities: Array(LIST_LIMITS.capabilities).fill('CHOWN'),
  rlimits: RLIMIT_NAMES.slice(0, LIST_LIMITS.rlimits).map((type) => ({ type, soft: 1 << 30, hard: 1 << 30 })),
});

describe('plans of configs at the validation limits', () => {
  it('every list at its limit, each device in its own directory: within the decoder limits', () => {
    const config = {
      ...base(),
      mounts: Array.from({ length: LIST_LIMITS.mounts }, (_, i) => ({
        type: 'bind',
        source: '/tmp',
        destination: unique('/m', i, 64),
      })),
      device_nodes: Array.from({ length: LIST_LIMITS.device_nodes }, (_, i) => ({
        type: 99,
        path: `${unique('/dev/d', i, 40)}/n`,
        major_number: 1,
        minor_number: 3,
      })),
      environment: Array.from({ length: 1000 }, (_, i) => unique('E', i, 1000).replace(/^(E\d{5})x/, '$1=')),
    };
    const out = compileValid(config);
    expect(out.valid ? [] : out.errors).toEqual([]);
    if (!out.valid) return;
    expect(out.steps).toBeLessThanOrEqual(PLAN_MAX_STEPS);
    expect(out.bytes).toBeLessThanOrEqual(PLAN_MAX_BYTES);
  });

  it('the longest strings validation lets through, with a 1 MiB command line: within 8 MiB', () => {
    const long = (p: string, i: number) => unique(p, i, 3000);
    const config = {
      ...base(),
      mounts: Array.from({ length: 600 }, (_, i) => ({
        type: 'bind',
        source: long('/s', i),
        destination: long('/d', i),
      })),
      environment: Array.from({ length: 1000 }, (_, i) => unique('E', i, 1000).replace(/^(E\d{5})x/, '$1=')),
    };
    const out = compileValid(config, ['/bin/true', 'a'.repeat(1 << 20)]);
    if (!out.valid) {
      // Too big for validation is fine; what validation passes must fit.
      expect(out.errors.map((e) => e.path)).toEqual(['/mounts']);
      return;
    }
    expect(out.bytes).toBeLessThanOrEqual(PLAN_MAX_BYTES);
  });

  it('property: what validates compiles within the decoder limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: LIST_LIMITS.mounts + 50 }),
        fc.integer({ min: 0, max: LIST_LIMITS.device_nodes + 50 }),
        fc.integer({ min: 1, max: 4000 }),
        fc.integer({ min: 0, max: 6 }),
        (mounts, devices, pathLen, depth) => {
          const config = {
            ...base(),
            mounts: Array.from({ length: mounts }, (_, i) => ({
              type: 'bind',
              source: '/tmp',
              destination: unique('/m', i, pathLen),
            })),
            device_nodes: Array.from({ length: devices }, (_, i) => ({
              type: 99,
              path: `/dev/${'d/'.repeat(depth)}${unique('n', i, Math.min(pathLen, 200))}`,
              major_number: 1,
              minor_number: 3,
            })),
          };
          const out = compileValid(config);
          if (!out.valid) return;
          expect(out.steps).toBeLessThanOrEqual(PLAN_MAX_STEPS);
          expect(out.bytes).toBeLessThanOrEqual(PLAN_MAX_BYTES);
        },
      ),
      { numRuns: 40 },
    );
  });
});
