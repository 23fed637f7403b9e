// The build's precompiled default profile (dist/default-seccomp.json, written by
// spec/write-default-filter.ts and copied beside the CLI bundle): it must be exactly what
// libseccomp compiles for that profile now, and a start with the profile must use it.
import { readFileSync } from 'node:fs';
import { defaultSeccompProfile } from '@nsinit/config';
import { native } from '@nsinit/native';
import { describe, expect, it } from 'vitest';
import { cachedSeccompProgram, filterKey } from '../src/spec/seccomp-cache.js';
import { compileSeccompProgram, seccompFromOci } from '../src/spec/seccomp.js';

const read = (rel: string) =>
  JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { key: string; program: string };

describe('the precompiled default seccomp profile', () => {
  it('is what libseccomp compiles for the default profile, in the runtime and beside the CLI bundle', () => {
    const spec = seccompFromOci(defaultSeccompProfile());
    const fresh = Buffer.from(compileSeccompProgram(spec, native.compileSeccomp)).toString('base64');
    for (const file of ['../dist/default-seccomp.json', '../../cli/dist/default-seccomp.json']) {
      const pre = read(file);
      expect(pre.key).toBe(filterKey(spec));
      expect(pre.program).toBe(fresh);
    }
  });

  it('another filter is compiled, and cached by what it is', () => {
    const spec = seccompFromOci({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });
    let calls = 0;
    const counting = (...args: Parameters<typeof native.compileSeccomp>) => {
      calls++;
      return native.compileSeccomp(...args);
    };
    const a = cachedSeccompProgram(spec, counting, '/linux/seccomp');
    const b = cachedSeccompProgram(
      seccompFromOci({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
      }),
      counting,
      '/linux/seccomp',
    );
    expect(calls).toBe(1);
    expect(b).toBe(a);
    cachedSeccompProgram(
      seccompFromOci({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['rmdir'], action: 'SCMP_ACT_ERRNO' }],
      }),
      counting,
      '/linux/seccomp',
    );
    expect(calls).toBe(2);
  });
});
