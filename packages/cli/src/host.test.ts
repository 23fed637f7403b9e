// The host checks behind "nsinit needs root" and "nsinit needs Linux >= 5.12": the kernel release
// parsing is table-tested here (this machine's kernel cannot be made older); exec-codes.test.ts
// runs the root check for real as an unprivileged user.
import { describe, expect, it } from 'vitest';
import { kernelProblem, rootProblem } from './host.js';

describe('host checks', () => {
  it('accepts 5.12 and later, names the found release otherwise', () => {
    for (const ok of ['5.12.0', '5.15.0-91-generic', '6.1.0-18-amd64', '10.0', 'weird']) {
      expect(kernelProblem(ok), ok).toBeNull();
    }
    expect(kernelProblem('5.11.22')).toBe('nsinit needs Linux >= 5.12 (found 5.11.22)');
    expect(kernelProblem('4.19.0-25-amd64')).toBe('nsinit needs Linux >= 5.12 (found 4.19.0-25-amd64)');
  });

  it('needs euid 0', () => {
    expect(rootProblem(0)).toBeNull();
    expect(rootProblem(1000)).toBe('nsinit needs root (namespaces, mounts, cgroups); run it with sudo');
  });
});
