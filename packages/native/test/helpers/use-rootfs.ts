// A fresh busybox rootfs for each test of a describe block: the test is skipped without root,
// and after it the rootfs is removed and must have no mount left under it.
import { afterEach, beforeEach, expect } from 'vitest';
import { isRoot, mountsUnder } from './plan.js';
import { makeRootfs, type TestRootfs } from './rootfs.js';

/** Call inside describe(); returns the current test's rootfs. */
export function useRootfs(): () => TestRootfs {
  let current: TestRootfs | undefined;
  beforeEach((ctx) => {
    if (!isRoot) ctx.skip('needs root');
    current = makeRootfs();
  });
  afterEach(() => {
    if (!current) return;
    const { dir } = current;
    current.remove();
    current = undefined;
    expect(mountsUnder(dir)).toEqual([]);
  });
  return () => {
    if (!current) throw new Error('useRootfs: no rootfs outside a test');
    return current;
  };
}
