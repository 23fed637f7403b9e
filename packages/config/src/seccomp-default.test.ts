// The default seccomp profile against the kernel's syscall tables for x86_64 and aarch64 (the
// fixtures scripts/syscall-tables derives from the uapi headers): every name must be a syscall of
// at least one of them, or libseccomp would skip it silently and the container would get EPERM.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SECCOMP_ALLOWED,
  defaultConfig,
  defaultOciSpec,
  defaultSeccompProfile,
  validateConfig,
  validateOciConfig,
} from './index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures');

function table(arch: 'x86_64' | 'aarch64'): Set<string> {
  const lines = readFileSync(join(fixtures, `syscalls-${arch}.txt`), 'utf8').split('\n');
  return new Set(lines.filter((l) => l !== '' && !l.startsWith('#')));
}

const X86_64 = table('x86_64');
const AARCH64 = table('aarch64');

/** Names of the profile that neither table has. */
function unknownNames(names: readonly string[]): string[] {
  return names.filter((n) => !X86_64.has(n) && !AARCH64.has(n));
}

const everyName = () => defaultSeccompProfile().syscalls!.flatMap((r) => r.names);

describe('the default seccomp profile', () => {
  it('the tables are real: hundreds of syscalls each, with the ones both architectures share', () => {
    expect(X86_64.size).toBeGreaterThan(300);
    expect(AARCH64.size).toBeGreaterThan(250);
    for (const n of ['read', 'openat', 'clone', 'clone3', 'keyctl', 'bpf']) {
      expect(X86_64.has(n), n).toBe(true);
      expect(AARCH64.has(n), n).toBe(true);
    }
    // What distinguishes them: aarch64 has only the *at forms.
    expect(X86_64.has('open')).toBe(true);
    expect(AARCH64.has('open')).toBe(false);
  });

  it('names only syscalls of the x86_64 or aarch64 table', () => {
    expect(unknownNames(everyName())).toEqual([]);
  });

  it('a misspelled name is caught by the same check', () => {
    expect(unknownNames([...DEFAULT_SECCOMP_ALLOWED, 'keyctll', 'open_at'])).toEqual(['keyctll', 'open_at']);
  });

  it('lists each allowed syscall once', () => {
    expect(new Set(DEFAULT_SECCOMP_ALLOWED).size).toBe(DEFAULT_SECCOMP_ALLOWED.length);
  });

  it('leaves out what breaks isolation, so the default action (EPERM) refuses it', () => {
    const p = defaultSeccompProfile();
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(p.defaultErrnoRet).toBe(1);
    const allowed = new Set(
      p.syscalls!.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length).flatMap((r) => r.names),
    );
    const blocked = [
      ...['keyctl', 'add_key', 'request_key', 'bpf', 'mount', 'umount2', 'pivot_root', 'setns'],
      ...['kexec_load', 'kexec_file_load', 'open_by_handle_at', 'perf_event_open', 'userfaultfd'],
      ...['init_module', 'finit_module', 'delete_module', 'swapon', 'swapoff', 'reboot', 'acct'],
      ...['settimeofday', 'clock_settime', 'quotactl', 'syslog', 'fsopen', 'fsmount', 'move_mount'],
      ...['open_tree', 'mount_setattr', 'io_uring_setup', 'iopl', 'ioperm', 'lookup_dcookie'],
      ...['unshare', 'clone', 'clone3', 'personality', 'vhangup', 'fanotify_init', 'nfsservctl'],
    ];
    expect(unknownNames(blocked)).toEqual([]);
    expect(blocked.filter((n) => allowed.has(n))).toEqual([]);
  });

  it('allows clone and unshare only without namespace flags, and sends clone3 to clone', () => {
    const rules = defaultSeccompProfile().syscalls!;
    for (const name of ['clone', 'unshare']) {
      const rule = rules.find((r) => r.names.includes(name))!;
      expect(rule.action).toBe('SCMP_ACT_ALLOW');
      // CLONE_NEWUSER (0x10000000) is inside the mask: a new user namespace fails with EPERM.
      expect(rule.args).toEqual([{ index: 0, value: 0x7e020080, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
      expect(rule.args![0]!.value & 0x10000000).not.toBe(0);
    }
    expect(rules.find((r) => r.names.includes('clone3'))).toMatchObject({
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    });
  });

  it('is part of both default specs, and both validate', () => {
    const oci = defaultOciSpec();
    expect(oci.linux?.seccomp).toEqual(defaultSeccompProfile());
    expect(validateOciConfig(oci).ok).toBe(true);
    const c = defaultConfig();
    expect(c.seccomp).toEqual(defaultSeccompProfile());
    const r = validateConfig(c);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('the x86_64 table matches this machine’s uapi header when it is installed', (ctx) => {
    const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
    if (!existsSync(header)) return ctx.skip(`${header} absent (linux-libc-dev for amd64 not installed)`);
    const names = [...readFileSync(header, 'utf8').matchAll(/^#define __NR_([a-z]\w*) \d+$/gm)].map(
      (m) => m[1],
    );
    expect(new Set(names)).toEqual(X86_64);
  });
});
