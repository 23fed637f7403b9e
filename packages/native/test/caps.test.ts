// Capabilities: bounding/effective/permitted/inheritable/ambient as planned, read back from
// /proc/self/status inside the container. CapInh stays 0 unless asked (CVE-2022-29162 class).
import { describe, expect, it } from 'vitest';
import { native, type Step } from '../lib/index.js';
import { run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

const cap = (...names: string[]) =>
  names.reduce((m, n) => {
    const bit = native.capabilities[n];
    if (bit === undefined) throw new Error(`unknown cap ${n}`);
    return m | (1n << BigInt(bit));
  }, 0n);

function parseStatus(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => l.split(':\t'))
      .map(([k, v]) => [k!, (v ?? '').trim()]),
  );
}

const hex = (m: bigint) => m.toString(16).padStart(16, '0');

describe('capabilities', () => {
  const rootfs = useRootfs();

  async function status(steps: Step[]) {
    const res = await run(standardPlan(rootfs().path, ['cat', '/proc/self/status'], { afterPivot: steps }));
    expect(res.failure).toBeNull();
    return parseStatus(res.output);
  }

  it('reduces every set to the Docker default list; CapInh and CapAmb stay 0', async () => {
    const d = cap(
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'MKNOD',
      'NET_RAW',
      'SETGID',
      'SETUID',
      'SETFCAP',
      'SETPCAP',
      'NET_BIND_SERVICE',
      'SYS_CHROOT',
      'KILL',
    );
    const s = await status([
      { op: 'caps', bounding: d, effective: d, permitted: d, inheritable: 0n, ambient: 0n },
    ]);
    expect(s.CapBnd).toBe(hex(d));
    expect(s.CapEff).toBe(hex(d));
    expect(s.CapPrm).toBe(hex(d));
    expect(s.CapInh).toBe(hex(0n));
    expect(s.CapAmb).toBe(hex(0n));
  });

  it('drops everything when the list is empty', async () => {
    const s = await status([
      { op: 'caps', bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
    ]);
    for (const k of ['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb']) expect(s[k], k).toBe(hex(0n));
  });

  it('sets inheritable and ambient only when asked', async () => {
    const d = cap('NET_BIND_SERVICE', 'CHOWN');
    const s = await status([
      {
        op: 'caps',
        bounding: d,
        effective: d,
        permitted: d,
        inheritable: d,
        ambient: cap('NET_BIND_SERVICE'),
      },
    ]);
    expect(s.CapInh).toBe(hex(d));
    expect(s.CapAmb).toBe(hex(cap('NET_BIND_SERVICE')));
  });

  it('a non-root user keeps exactly its ambient caps across exec (identity before caps)', async () => {
    const nb = cap('NET_BIND_SERVICE');
    const s = await status([
      { op: 'identity', uid: 1000, gid: 1000, groups: [] },
      { op: 'caps', bounding: nb, effective: nb, permitted: nb, inheritable: nb, ambient: nb },
    ]);
    expect(s.Uid!.split('\t')[0]).toBe('1000');
    expect(s.CapEff).toBe(hex(nb));
    expect(s.CapPrm).toBe(hex(nb));
    expect(s.CapBnd).toBe(hex(nb));
    expect(s.CapAmb).toBe(hex(nb));
  });

  it('a non-root user without ambient caps has none after exec', async () => {
    const nb = cap('NET_BIND_SERVICE');
    const s = await status([
      { op: 'identity', uid: 1000, gid: 1000, groups: [] },
      { op: 'caps', bounding: nb, effective: nb, permitted: nb, inheritable: 0n, ambient: 0n },
    ]);
    expect(s.CapEff).toBe(hex(0n));
    expect(s.CapPrm).toBe(hex(0n));
    expect(s.CapBnd).toBe(hex(nb));
  });

  it('sets no-new-privs when asked and not otherwise', async () => {
    expect((await status([{ op: 'no-new-privs' }])).NoNewPrivs).toBe('1');
    expect((await status([])).NoNewPrivs).toBe('0');
  });

  it('exposes the kernel header table', () => {
    expect(native.capabilities.CHOWN).toBe(0);
    expect(native.capabilities.SYS_ADMIN).toBe(21);
    expect(native.capabilities.AUDIT_READ).toBe(37);
  });
});
