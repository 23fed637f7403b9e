import { describe, expect, it } from 'vitest';
import { argBytes, argSpace, argSpaceError } from './arg-space.js';

describe('execve argument space', () => {
  it('is a quarter of the stack limit in force, between ARG_MAX and 6 MiB', () => {
    expect(argSpace([{ type: 'RLIMIT_STACK', soft: 8 << 20 }])).toBe(2 << 20);
    expect(argSpace([{ type: 'RLIMIT_STACK', soft: 4096 }])).toBe(128 << 10);
    expect(argSpace([{ type: 'RLIMIT_STACK', soft: -1 }])).toBe(6 << 20);
    // Without one in the config, this process's own limit (inherited by the child).
    expect(argSpace(undefined)).toBeGreaterThanOrEqual(128 << 10);
  });

  it('counts each string with its NUL and a pointer', () => {
    expect(argBytes(['ab'], ['K=é'])).toBe(3 + 8 + 5 + 8);
  });

  it('refuses a command line that does not fit, in the user terms, as an exec failure (E2BIG)', () => {
    const stack = [{ type: 'RLIMIT_STACK', soft: 8 << 20 }];
    expect(argSpaceError(['sh', 'x'.repeat(1 << 20)], ['A=1'], stack)).toBeNull();
    const err = argSpaceError(['sh', 'x'.repeat(2 << 20)], ['A=1'], stack);
    expect(err).toMatchObject({ code: 'ERR_NSINIT_EXEC_FAILED', errno: -7, syscall: 'execve' });
    expect(err?.message).toMatch(
      /^cannot execute 'sh': the command line and environment take \d+ bytes, more than the 2097152 bytes/,
    );
  });
});
