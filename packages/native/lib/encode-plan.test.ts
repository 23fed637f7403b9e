// Unit tests (no root): the encoder names the bad field, and the C decoder (when built) accepts
// what the encoder produces and rejects oversize/illegal plans with ERR_NSINIT_INVALID_PLAN.
import { describe, expect, it } from 'vitest';
import { encodePlan, OP_CODES, opName } from './encode-plan.js';
import type { Plan, Step } from './plan.js';

const base = (steps: Step[]): Plan => ({ cloneFlags: 0, stdio: [-1, -1, -1], consoleFd: -1, steps });
const exec: Step = { op: 'exec', candidates: ['/bin/true'], argv: ['true'], envp: [] };

describe('encodePlan', () => {
  it('writes the header, the total length and one record per step', () => {
    const buf = encodePlan(base([{ op: 'hostname', name: 'koye' }, exec]));
    expect(buf.readUInt32LE(0)).toBe(0x5049534e);
    expect(buf.readUInt32LE(4)).toBe(1);
    expect(buf.readUInt32LE(8)).toBe(buf.length);
    expect(buf.readUInt32LE(12)).toBe(2);
    expect(buf.readUInt32LE(40)).toBe(OP_CODES.hostname);
    expect(buf.readUInt32LE(44)).toBe(4 + 4 + 1);
    expect(buf.toString('utf8', 52, 56)).toBe('koye');
    expect(buf[56]).toBe(0);
  });

  it('names the field of a bad value', () => {
    expect(() => encodePlan(base([{ op: 'mkdir', target: '/x', mode: -1 }, exec]))).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_INVALID_PLAN',
        message: expect.stringContaining('steps[0].mode'),
      }),
    );
    expect(() => encodePlan(base([{ op: 'hostname', name: 'a\0b' }, exec]))).toThrow(
      /steps\[0\]\.name contains a NUL byte/,
    );
    expect(() => encodePlan(base([{ op: 'nope' } as unknown as Step]))).toThrow(
      /steps\[0\]\.op "nope" is not a step kind/,
    );
    expect(() =>
      encodePlan({ ...base([exec]), stdio: [0, 1] as unknown as [number, number, number] }),
    ).toThrow(/stdio/);
    expect(() => encodePlan(base([{ op: 'rlimit', resource: 7, soft: -2, hard: 1 }, exec]))).toThrow(
      /steps\[0\]\.soft/,
    );
  });

  it('maps op codes both ways, with setup for code 0', () => {
    for (const [op, code] of Object.entries(OP_CODES)) expect(opName(code)).toBe(op);
    expect(opName(0)).toBe('setup');
  });
});
