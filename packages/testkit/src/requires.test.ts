import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { requires, unmet } from './requires.js';

const [major = 0, minor = 0] = release()
  .split('.')
  .map((p) => Number.parseInt(p, 10));

describe('unmet', () => {
  it('compares kernel versions numerically', () => {
    expect(unmet(`kernel>=${major}.${minor}`)).toBeNull();
    expect(unmet(`kernel>=${major - 1}.99`)).toBeNull();
    expect(unmet(`kernel>=${major}.${minor + 1}`)).toMatch(/^needs kernel >= \d+\.\d+ \(running /);
    expect(unmet('kernel>=99.0')).toContain('needs kernel >= 99.0');
  });

  it('reports root by uid', () => {
    expect(unmet('root')).toBe(process.getuid?.() === 0 ? null : 'needs root (uid 0)');
  });

  it('sees cgroup v1 controllers exactly when a cgroup mount carries one', () => {
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    const hasV1 = / - cgroup cgroup \S*\b(cpu|memory|pids|devices)\b/.test(mountinfo);
    expect(unmet('cgroup-v1') === null).toBe(hasV1);
  });

  it('wants the memory and pids controllers in cgroup2, not just a mount', () => {
    const points = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(' - cgroup2 '))
      .map((l) => l.split(' ')[4]);
    const usable = points.some((p) => {
      const ctrls = readFileSync(`${p}/cgroup.controllers`, 'utf8').split(/\s+/);
      return ctrls.includes('memory') && ctrls.includes('pids');
    });
    const reason = unmet('cgroup-v2');
    expect(reason === null).toBe(usable);
    if (!usable)
      expect(reason).toMatch(
        /^needs a cgroup v2 hierarchy with the memory and pids controllers \(cgroup2 here offers: /,
      );
  });

  it('joins several reasons', () => {
    expect(unmet('kernel>=98.0', 'kernel>=99.0')).toMatch(/98\.0.*; .*99\.0/);
  });
});

describe('requires', () => {
  it('calls skip with the reason only when something is missing', () => {
    const notes: (string | undefined)[] = [];
    const ctx = { skip: (note?: string) => void notes.push(note) };
    requires(ctx, `kernel>=${major}.${minor}`);
    expect(notes).toEqual([]);
    requires(ctx, 'kernel>=99.0');
    expect(notes).toEqual([expect.stringContaining('needs kernel >= 99.0')]);
  });
});

describe('requires rootless-user', () => {
  it('skips without the user, but fails under CI, whose scripts/setup creates it', () => {
    const saved = process.env.NSINIT_REQUIRE_REFERENCE;
    const skipped: (string | undefined)[] = [];
    const ctx = { skip: (note?: string) => void skipped.push(note) };
    try {
      delete process.env.NSINIT_REQUIRE_REFERENCE;
      const missing = unmet('rootless-user');
      requires(ctx, 'rootless-user');
      expect(skipped).toEqual(missing === null ? [] : [missing]);
      process.env.NSINIT_REQUIRE_REFERENCE = '1';
      if (missing === null) expect(() => requires(ctx, 'rootless-user')).not.toThrow();
      else expect(() => requires(ctx, 'rootless-user')).toThrow(/this must not skip/);
    } finally {
      if (saved === undefined) delete process.env.NSINIT_REQUIRE_REFERENCE;
      else process.env.NSINIT_REQUIRE_REFERENCE = saved;
    }
  });
});
