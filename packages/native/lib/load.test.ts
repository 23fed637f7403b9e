// Unit tests (no root): the loader's candidate list and its error when nothing loads.
import { afterEach, describe, expect, it } from 'vitest';
import { addonCandidates, loadAddon } from './load.js';

describe('loadAddon', () => {
  const saved = process.env.NSINIT_NATIVE_ADDON;
  afterEach(() => {
    if (saved === undefined) delete process.env.NSINIT_NATIVE_ADDON;
    else process.env.NSINIT_NATIVE_ADDON = saved;
  });

  it('tries build/Release then build/Debug', () => {
    delete process.env.NSINIT_NATIVE_ADDON;
    const c = addonCandidates();
    expect(c).toHaveLength(2);
    expect(c[0]).toMatch(/build\/Release\/nsinit_native\.node$/);
    expect(c[1]).toMatch(/build\/Debug\/nsinit_native\.node$/);
  });

  it('lists every path tried and how to build when nothing loads', () => {
    process.env.NSINIT_NATIVE_ADDON = '/nonexistent/nsinit_native.node';
    expect(() => loadAddon()).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_NATIVE_LOAD',
        tried: ['/nonexistent/nsinit_native.node (MODULE_NOT_FOUND)'],
        message: expect.stringContaining('pnpm --filter @nsinit/native build'),
      }),
    );
  });
});
