// The parent → C-core message end to end, class 8 of docs/security-classes.md (CVE-2021-43784: a length
// field overflowed between the runtime and its C bootstrap). The config package fuzzes the
// validator and the native package fuzzes the decoder with mutated bytes; this property test joins
// them: hostile configs (long, NUL-laden, unicode and huge values in every field the plan carries)
// go through validateConfig → compilePlan → encodePlan → the C decoder. Whatever the validator
// accepts must be refused by the compiler or encoder with a stable NsinitError code, or reach the
// decoder, which must give back exactly the plan's steps or refuse it whole with
// ERR_NSINIT_INVALID_PLAN naming the step and field — never decode something else (a silently
// truncated or re-framed message is the 43784 shape) — and a plan carrying a string longer than the
// child's PATH_MAX buffers must be among the refused. Bounded (NSINIT_FC_RUNS, default 300).
//
// Guard check (scripts/guard-check plan-string-limit): with plan.c's string length limit removed, this
// property fails within ~130 cases (an oversize mount data string decodes and would reach the child).
import { defaultConfig, validateConfig } from '@nsinit/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePlan } from '../../native/lib/encode-plan.js';
import { NsinitError } from '../../native/lib/errors.js';
import { loadNative, loadRaw } from '../../native/lib/native.js';
import type { Step } from '../../native/lib/plan.js';
import { compilePlan, from2014, type PlanConfig } from '../src/index.js';

const RUNS = Number(process.env.NSINIT_FC_RUNS ?? 300);
const native = loadNative();
const raw = loadRaw();
const tables = { capabilities: native.capabilities, rlimits: native.rlimits, constants: native.constants };

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\0',
    'a\0b',
    '/',
    '..',
    '/../../etc',
    '%s%n',
    '\u202e',
    'x'.repeat(4096),
    'y'.repeat(70_000),
  ),
);
const hugeInt = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53) + 1, 0xfff, 0x1000, 0xfffff, 0x100000),
);

/** Edits of the fields the plan carries; each is applied to a copy of defaultConfig(). */
const edit = fc.oneof(
  fc.record({ hostname: nasty }),
  fc.record({
    working_dir: fc.oneof(
      nasty,
      nasty.map((s) => `/${s}`),
    ),
  }),
  fc.record({
    environment: fc.array(
      fc.oneof(
        nasty,
        nasty.map((s) => `K=${s}`),
      ),
      { maxLength: 50 },
    ),
  }),
  fc.record({
    user: fc.oneof(nasty, fc.nat().map(String), fc.constantFrom('0:0', '4294967295', 'root:x:y')),
  }),
  fc.record({
    capabilities: fc.array(fc.oneof(nasty, fc.constantFrom('SYS_ADMIN', 'cap_chown', 'ALL')), {
      maxLength: 50,
    }),
  }),
  fc.record({
    mounts: fc.array(
      fc.record({
        type: fc.constantFrom('bind', 'tmpfs'),
        source: nasty.map((s) => `/${s}`),
        destination: nasty,
        writable: fc.boolean(),
        private: fc.boolean(),
      }),
      { maxLength: 20 },
    ),
  }),
  fc.record({
    device_nodes: fc.array(
      fc.record({
        type: fc.constantFrom(98, 99, 117, 0),
        path: nasty.map((s) => `/dev/${s}`),
        major_number: hugeInt,
        minor_number: hugeInt,
        file_mode: hugeInt,
      }),
      { maxLength: 20 },
    ),
  }),
  fc.record({
    rlimits: fc.array(
      fc.record({
        type: fc.constantFrom('RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_BOGUS'),
        soft: hugeInt,
        hard: hugeInt,
      }),
      { maxLength: 20 },
    ),
  }),
  fc.record({ context: fc.record({ mount_label: nasty, restrictions: nasty }) }),
);

const argv = fc.array(nasty, { minLength: 1, maxLength: 30 });

/** The C child copies path-like strings into PATH_MAX buffers (path.c, mount.c): a plan carrying a
 *  longer one must be refused by the decoder, never handed to the child. */
const PATH_FIELDS = ['path', 'source', 'target', 'fstype', 'data', 'value'] as const;
function oversize(steps: readonly Step[]): boolean {
  return steps.some((st) => {
    const rec = st as unknown as Record<string, unknown>;
    const strings = [...PATH_FIELDS.map((f) => rec[f]), ...(st.op === 'exec' ? st.candidates : [])].filter(
      (v): v is string => typeof v === 'string',
    );
    return (
      strings.some((v) => Buffer.byteLength(v) > 4095) ||
      (st.op === 'hostname' && Buffer.byteLength(st.name) > 64)
    );
  });
}

function isNsinitCode(err: unknown): boolean {
  return (
    err instanceof NsinitError ||
    (err instanceof Error && /^ERR_NSINIT_/.test((err as { code?: string }).code ?? ''))
  );
}

describe('config → plan → C decoder', () => {
  it('accepts consistently or refuses with a stable code, never crashes', () => {
    const counts = { invalid: 0, refused: 0, decoderRefused: 0, decoded: 0 };
    fc.assert(
      fc.property(edit, argv, (change, args) => {
        const json = { ...defaultConfig(), ...change };
        const v = validateConfig(json);
        if (!v.ok) {
          counts.invalid++;
          return;
        }
        let buf: Uint8Array;
        let ops: string[];
        let tooLong = false;
        try {
          const plan = compilePlan(from2014(v.config as PlanConfig), {
            rootfs: '/tmp/nsinit-fuzz-rootfs',
            argv: args,
            tables,
            identity: { uid: 0, gid: 0, groups: [] },
            stdio: [-1, -1, -1],
          });
          ops = plan.steps.map((s) => s.op);
          tooLong = oversize(plan.steps);
          buf = encodePlan(plan);
        } catch (err) {
          // The compiler's configError/invalidArg and the encoder's ERR_NSINIT_INVALID_PLAN.
          expect(isNsinitCode(err), String(err)).toBe(true);
          counts.refused++;
          return;
        }
        let decoded: string[];
        try {
          decoded = raw.decodePlan(buf);
        } catch (err) {
          // The decoder's own limits (PATH_MAX, HOST_NAME_MAX, ...) are the authority.
          expect(err).toBeInstanceOf(NsinitError);
          expect((err as NsinitError).code).toBe('ERR_NSINIT_INVALID_PLAN');
          expect((err as Error).message).toMatch(/^invalid plan: step \d+ \([a-z-]+\): \w+/);
          counts.decoderRefused++;
          return;
        }
        expect(tooLong, 'an oversize string reached the child').toBe(false);
        expect(decoded).toEqual(ops);
        counts.decoded++;
      }),
      { numRuns: RUNS },
    );
    // The property saw every outcome, so none of its branches is dead.
    expect(counts.invalid).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
    expect(counts.decoderRefused).toBeGreaterThan(0);
    expect(counts.decoded).toBeGreaterThan(0);
  });
});
