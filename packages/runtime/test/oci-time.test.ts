// linux.namespaces `time` with linux.timeOffsets (time_namespaces(7)): the init unshares a time
// namespace, writes the offsets before any process is inside, and enters it at execve; checked
// from inside a real container through /proc/uptime (CLOCK_BOOTTIME) and the namespace link.
import { readFileSync, readlinkSync } from 'node:fs';
import { useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { run } from './oci-helpers.js';

useLeakCheck();

const DAY = 86400;

function hostUptime(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

describe('OCI time namespace', () => {
  it('/proc/uptime inside is shifted by the boottime offset, and the namespace is not the host one', async (ctx) => {
    const before = hostUptime();
    const { lines } = await run(
      ctx,
      (c) => {
        c.linux!.namespaces!.push({ type: 'time' });
        c.linux!.timeOffsets = { boottime: { secs: 10 * DAY, nanosecs: 0 }, monotonic: { secs: 3 * DAY } };
      },
      'cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time; cat /proc/self/timens_offsets',
    );
    const after = hostUptime();
    const inside = Number(lines[0]);
    expect(inside).toBeGreaterThanOrEqual(before + 10 * DAY);
    expect(inside).toBeLessThanOrEqual(after + 10 * DAY);
    expect(lines[1]).toMatch(/^time:\[\d+\]$/);
    expect(lines[1]).not.toBe(readlinkSync('/proc/self/ns/time'));
    // The kernel reports the offsets the namespace was given (clock ids 1 and 7 are
    // CLOCK_MONOTONIC and CLOCK_BOOTTIME; newer kernels print their names).
    expect(lines.slice(2).join('\n')).toMatch(/^(monotonic|1)\s+259200\s+0$/m);
    expect(lines.slice(2).join('\n')).toMatch(/^(boottime|7)\s+864000\s+0$/m);
  });

  it('a time namespace without offsets is a fresh namespace with the host clocks', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.linux!.namespaces!.push({ type: 'time' });
      },
      'readlink /proc/self/ns/time; cut -d" " -f1 /proc/uptime',
    );
    expect(lines[0]).not.toBe(readlinkSync('/proc/self/ns/time'));
    expect(Math.abs(Number(lines[1]) - hostUptime())).toBeLessThan(60);
  });

  it('without a time namespace the container shares the host one', async (ctx) => {
    const { lines } = await run(ctx, () => {}, 'readlink /proc/self/ns/time');
    expect(lines[0]).toBe(readlinkSync('/proc/self/ns/time'));
  });
});
