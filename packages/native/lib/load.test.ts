// Unit tests (no root): the loader's candidate list, the prebuilt it finds, and its error when
// nothing loads.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { addonCandidates, loadAddon } from './load.js';

describe('loadAddon', () => {
  const saved = process.env.NSINIT_NATIVE_ADDON;
  afterEach(() => {
    if (saved === undefined) delete process.env.NSINIT_NATIVE_ADDON;
    else process.env.NSINIT_NATIVE_ADDON = saved;
  });

  it('tries the prebuilt for this platform, then build/Release, then build/Debug', () => {
    delete process.env.NSINIT_NATIVE_ADDON;
    const c = addonCandidates();
    expect(c).toHaveLength(3);
    expect(c[0]).toMatch(new RegExp(`/prebuilds/linux-${process.arch}/nsinit_native\\.napi\\.glibc\\.node$`));
    expect(c[1]).toMatch(/build\/Release\/nsinit_native\.node$/);
    expect(c[2]).toMatch(/build\/Debug\/nsinit_native\.node$/);
  });

  it('loads the prebuilt the build put in place, which needs nothing beyond glibc and what Node links', async () => {
    delete process.env.NSINIT_NATIVE_ADDON;
    const prebuilt = addonCandidates()[0]!;
    expect(existsSync(prebuilt)).toBe(true);
    expect(typeof loadAddon().spawn).toBe('function');
    // Without LD_PRELOAD: ldd lists preloaded objects too (scripts/asan.sh preloads libasan).
    const { LD_PRELOAD: _preload, ...env } = process.env;
    const needed = execFileSync('ldd', [prebuilt], { encoding: 'utf8', env });
    const libs = needed
      .split('\n')
      .map((l) => l.trim().split(/\s/)[0]!.replace(/^.*\//, ''))
      .filter(Boolean);
    expect(
      libs.filter((l) => !/^(linux-vdso|libc|libm|libstdc\+\+|libgcc_s|ld-linux[\w.-]*)\.so/.test(l)),
    ).toEqual([]);
    expect(libs).toContain('libc.so.6');
  });

  it('lists every path tried and how to build when nothing loads', () => {
    process.env.NSINIT_NATIVE_ADDON = '/nonexistent/nsinit_native.node';
    expect(() => loadAddon()).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_NATIVE_LOAD',
        tried: ['/nonexistent/nsinit_native.node (missing)'],
        message: expect.stringMatching(
          /on linux-\w+, glibc [\d.]+, Node [\d.]+: .*prebuilts shipped: .*linux-x64 \(glibc\).*apt-get install cmake g\+\+ libseccomp-dev/,
        ),
      }),
    );
  });
});
