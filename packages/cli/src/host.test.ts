// The host check behind "nsinit needs Linux >= 5.12": the kernel release parsing is table-tested
// here (this machine's kernel cannot be made older); messages.test.ts runs the rootless state check
// (XDG_RUNTIME_DIR) for real as an unprivileged user, runtime's rootless.test.ts its cases.
import { describe, expect, it } from 'vitest';
import { kernelProblem } from './host.js';

describe('host checks', () => {
  it('accepts 5.12 and later, names the found release otherwise', () => {
    for (const ok of ['5.12.0', '5.15.0-91-generic', '6.1.0-18-amd64', '10.0', 'weird']) {
      expect(kernelProblem(ok), ok).toBeNull();
    }
    expect(kernelProblem('5.11.22')).toBe('nsinit needs Linux >= 5.12 (found 5.11.22)');
    expect(kernelProblem('4.19.0-25-amd64')).toBe('nsinit needs Linux >= 5.12 (found 4.19.0-25-amd64)');
  });
});
