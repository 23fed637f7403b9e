// runc update's flags and -r document onto the resources model, with runc's size units and
// errors that name the flag.
import { describe, expect, it } from 'vitest';
import { parseSize, resourcesFromUpdateFlags, resourcesFromUpdateJson } from './update-flags.js';

describe('nsinit-oci update input', () => {
  it('reads sizes as runc does (binary units, -1 unlimited)', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('512m')).toBe(512 * 2 ** 20);
    expect(parseSize('1.5g')).toBe(1.5 * 2 ** 30);
    expect(parseSize('2GiB')).toBe(2 * 2 ** 30);
    expect(parseSize('64 KB')).toBe(64 * 1024);
    expect(parseSize('-1')).toBe(-1);
    expect(parseSize('lots')).toBeNull();
    expect(parseSize('1x')).toBeNull();
  });

  it('maps every flag onto its resources field', () => {
    expect(
      resourcesFromUpdateFlags({
        memory: '64m',
        'memory-swap': '-1',
        'memory-reservation': '32m',
        'kernel-memory-tcp': '1m',
        'cpu-share': '512',
        'cpu-quota': '20000',
        'cpu-period': '100000',
        'cpu-rt-period': '1000000',
        'cpu-rt-runtime': '950000',
        'cpu-idle': '1',
        'cpuset-cpus': '0-1',
        'cpuset-mems': '0',
        'pids-limit': '20',
        'blkio-weight': '300',
      }),
    ).toEqual({
      memory: { limit: 64 << 20, swap: -1, reservation: 32 << 20, kernelTCP: 1 << 20 },
      cpu: {
        shares: 512,
        quota: 20000,
        period: 100000,
        realtimePeriod: 1000000,
        realtimeRuntime: 950000,
        idle: 1,
        cpus: '0-1',
        mems: '0',
      },
      pids: { limit: 20 },
      blockIO: { weight: 300 },
    });
    expect(resourcesFromUpdateFlags({})).toEqual({});
  });

  it('names the flag in every refusal', () => {
    expect(() => resourcesFromUpdateFlags({ memory: 'lots' })).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_INVALID_ARG',
        message: expect.stringMatching(/^--memory: 'lots'/),
      }),
    );
    expect(() => resourcesFromUpdateFlags({ 'pids-limit': '1.5' })).toThrow(
      /^--pids-limit: '1.5' is not an integer/,
    );
    expect(() => resourcesFromUpdateFlags({ 'cpu-share': '-5' })).toThrow(/^--cpu-share: -5 is below 0/);
    expect(() => resourcesFromUpdateFlags({ swap: '1' })).toThrow(/^--swap: not an update flag/);
  });

  it('reads a LinuxResources document, ignoring its device rules as runc does', () => {
    expect(
      resourcesFromUpdateJson({
        memory: { limit: 1 << 20 },
        pids: { limit: 5 },
        devices: [{ allow: true, access: 'rwm' }],
        unified: { 'memory.high': '1000000' },
      }),
    ).toEqual({ memory: { limit: 1 << 20 }, pids: { limit: 5 }, unified: { 'memory.high': '1000000' } });
    expect(() => resourcesFromUpdateJson({ memory: { limit: 'x' } }, 'r.json')).toThrow(
      /^r\.json: memory\.limit: x is not an integer/,
    );
  });
});
