// The recording fake must not drift from the addon: every kernel-table entry both define has the
// same value, and the fake implements every binding the real addon exports.
import { describe, expect, it } from 'vitest';
import { createNativeFake } from '../src/index.js';
import { tryNative } from '../src/native-loader.js';

describe('createNativeFake against the real addon', () => {
  const real = tryNative();

  it.skipIf(real === null)('agrees on every capability, rlimit and constant both define', () => {
    const fake = createNativeFake();
    for (const table of ['capabilities', 'rlimits', 'constants'] as const) {
      const r = real?.[table] ?? {};
      const shared = Object.keys(fake[table]).filter((k) => k in r);
      expect(shared.length).toBeGreaterThan(0);
      for (const k of shared) expect([table, k, fake[table][k]]).toEqual([table, k, r[k]]);
    }
    // Every capability the kernel headers know is in the fake too.
    for (const k of Object.keys(real?.capabilities ?? {})) expect(fake.capabilities).toHaveProperty(k);
  });

  it.skipIf(real === null)('implements every function the addon exports', () => {
    const fake = createNativeFake() as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(real ?? {})) {
      if (typeof v === 'function') expect([k, typeof fake[k]]).toEqual([k, 'function']);
    }
  });
});
