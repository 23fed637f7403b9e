// The linux-arm64 prebuilts (scripts/prebuild-cross.sh) work on arm64: the addon loads in Debian 12's
// arm64 nodejs (Node 18, Node-API 9) from scripts/cross-sysroot.sh under qemu-user (Node-API is
// ABI-stable across Node versions, so an addon that loads in Node 18 loads in Node 20+), through the
// package's own loader (dist/load.js picks prebuilds/<platform>-<arch> by process.arch), and calls
// into the statically linked arm64 libseccomp; nsinit-oci-verbs answers list and state there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const prebuilt = `${pkg}prebuilds/linux-arm64/nsinit_native.napi.glibc.node`;
const verbs = `${pkg}prebuilds/linux-arm64/nsinit-oci-verbs`;
const missing = (file: string) => `${file} missing: run packages/native/scripts/prebuild-cross.sh`;
const sysroot = () =>
  execFileSync('bash', [`${pkg}scripts/cross-sysroot.sh`, 'arm64'], { encoding: 'utf8' }).trim();
const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64'], { encoding: 'utf8' }).stdout.trim();

// Runs in the arm64 Node: the package's loader and typed wrapper, as an installed package uses them.
const PROBE = `
const dir = process.argv[1];
const { addonCandidates } = await import(dir + '/dist/load.js');
const { loadNative } = await import(dir + '/dist/native.js');
const { createRequire } = await import('node:module');
const first = addonCandidates()[0];
createRequire(import.meta.url)(first); // the prebuilt itself, not a fallback
const n = loadNative();
// mkdirat -> EPERM for the aarch64 ABI: libseccomp's arm64 syscall table, compiled in.
const bpf = n.compileSeccomp(0x7fff0000, ['aarch64'], ['mkdirat'], [0x00050001], [[]]);
const [r, w] = n.pipe();
n.close(r);
n.close(w);
process.stdout.write(JSON.stringify({ arch: process.arch, first, bpf: Buffer.from(bpf).toString('hex'), main: n.isMainThread() }));
`;

describe('linux-arm64 prebuilt', () => {
  it('is an AArch64 object needing only glibc ≤ 2.34 and the C++ runtime', () => {
    expect(existsSync(prebuilt), missing(prebuilt)).toBe(true);
    const elf = execFileSync('readelf', ['-h', '-d', '-V', '-W', prebuilt], { encoding: 'utf8' });
    expect(elf).toMatch(/Machine:\s+AArch64/);
    const needed = [...elf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]).sort();
    expect(needed).toEqual(['ld-linux-aarch64.so.1', 'libc.so.6', 'libgcc_s.so.1', 'libstdc++.so.6']);
    const glibc = [...elf.matchAll(/Name: GLIBC_2\.(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...glibc)).toBeLessThanOrEqual(34);
  });

  it.skipIf(!qemu)('loads in an arm64 Node under qemu-user and compiles an aarch64 seccomp filter', () => {
    expect(existsSync(prebuilt), missing(prebuilt)).toBe(true);
    const root = sysroot();
    const res = spawnSync(
      qemu,
      ['-L', root, `${root}/usr/bin/node`, '--input-type=module', '-e', PROBE, pkg.replace(/\/$/, '')],
      // The loader must pick the prebuilt by itself: no override from the environment.
      { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 60_000 },
    );
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout) as { arch: string; first: string; bpf: string; main: boolean };
    expect(out.arch).toBe('arm64');
    expect(out.first).toBe(prebuilt);
    expect(out.main).toBe(true);
    // ld arch; jeq AUDIT_ARCH_AARCH64 (0xc00000b7); ld nr; jeq 34 (mkdirat on arm64, 258 on
    // x86-64); ret ERRNO|1; else ret ALLOW.
    expect(out.bpf).toContain('b70000c0');
    expect(out.bpf).toContain('1500010022000000');
    expect(out.bpf).toContain('010005');
  });

  it.skipIf(!qemu)('runs nsinit-oci-verbs (list, state) under qemu-user', () => {
    expect(existsSync(verbs), missing(verbs)).toBe(true);
    const elf = execFileSync('readelf', ['-h', '-d', '-W', verbs], { encoding: 'utf8' });
    expect(elf).toMatch(/Machine:\s+AArch64/);
    const root = sysroot();
    const state = mkdtempSync(join(tmpdir(), 'nsinit-arm64-'));
    try {
      // The Node entry is never reached by these verbs: the program answers them itself.
      const run = (...args: string[]) =>
        spawnSync(qemu, ['-L', root, verbs, '/nonexistent/nsinit-oci.cjs', '--root', state, ...args], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH },
          timeout: 30_000,
        });
      const list = run('list');
      expect(list).toMatchObject({ status: 0, stderr: '' });
      expect(list.stdout).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n$/);
      const none = run('state', 'nosuch');
      expect(none.status).toBe(1);
      expect(none.stderr).toContain("nsinit-oci: container 'nosuch' does not exist");
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
