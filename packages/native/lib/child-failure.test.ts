// Unit tests (no root): child failure records become SystemError-like NsinitErrors.
import { describe, expect, it } from 'vitest';
import { childFailureError } from './child-failure.js';
import { NsinitError } from './errors.js';
import type { Plan } from './plan.js';

const plan: Plan = {
  cloneFlags: 0,
  stdio: [-1, -1, -1],
  consoleFd: -1,
  steps: [
    { op: 'bind', source: '/host/src', target: '/mnt', flags: 0, recursive: true, propagation: 0 },
    { op: 'exec', candidates: ['/bin/nosuch'], argv: ['nosuch'], envp: [] },
  ],
};

describe('childFailureError', () => {
  it('formats an exec failure like Node', () => {
    const err = childFailureError({ step: 1, op: 'exec', syscall: 'execve', errno: 2, path: 'nosuch' }, plan);
    expect(err).toBeInstanceOf(NsinitError);
    expect(err.message).toBe("ENOENT: no such file or directory, execve 'nosuch'");
    expect(err).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'execve', path: 'nosuch', step: 'exec' });
  });

  it('adds the destination when a bind source failed', () => {
    const err = childFailureError(
      { step: 0, op: 'bind', syscall: 'open_tree', errno: 13, path: '/host/src' },
      plan,
    );
    expect(err.message).toBe("EACCES: permission denied, open_tree '/host/src' -> '/mnt'");
    expect(err.dest).toBe('/mnt');
  });

  it('a setup failure has no path', () => {
    const err = childFailureError({ step: -1, op: 'setup', syscall: 'dup2', errno: 9, path: '' }, plan);
    expect(err.message).toBe('EBADF: bad file descriptor, dup2');
    expect(err.path).toBeUndefined();
    expect(err.step).toBe('setup');
  });
});
