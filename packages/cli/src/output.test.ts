import { ConfigError } from '@nsinit/config';
import { NsinitError } from '@nsinit/runtime';
import { describe, expect, it } from 'vitest';
import { debugLines, errorLines, reportError } from './output.js';

describe('error output', () => {
  const inner = new NsinitError("ENOENT: no such file or directory, execve '/bin/nope'", {
    code: 'ENOENT',
    errno: -2,
    syscall: 'execve',
    path: '/bin/nope',
    step: 'exec',
  });
  const outer = new NsinitError(
    "cannot execute 'nope': ENOENT: no such file or directory, execve '/bin/nope'",
    {
      code: 'ERR_NSINIT_EXEC_FAILED',
      cause: inner,
    },
  );

  it('prints one line by default', () => {
    expect(errorLines(outer)).toEqual([
      "nsinit: cannot execute 'nope': ENOENT: no such file or directory, execve '/bin/nope'",
    ]);
  });

  it('prints fields and the cause chain with --debug', () => {
    const lines = debugLines(outer);
    expect(lines[0]).toMatch(/^error: NsinitError: cannot execute/);
    expect(lines).toContain('  code: ERR_NSINIT_EXEC_FAILED');
    const at = lines.findIndex((l) => l.startsWith('caused by: NsinitError: ENOENT'));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at)).toEqual(
      expect.arrayContaining(['  errno: -2', '  syscall: execve', '  path: /bin/nope', '  step: exec']),
    );
  });

  it('lists the issues of a config error with --debug', () => {
    const err = new NsinitError('invalid config', {
      code: 'ERR_NSINIT_INVALID_CONFIG',
      errors: [{ path: '/user', message: 'bad' }],
    });
    expect(errorLines(err)).toEqual(['nsinit: invalid config']);
    expect(debugLines(err).slice(0, 2)).toEqual(['issues:', '  /user: bad']);
  });

  it('lists every error of an invalid container.json, not the first "and 1 more"', () => {
    const err = ConfigError.invalid('/c/container.json', [
      { path: '/hostname', message: 'expected a string' },
      { path: '/cgroups/name', message: 'missing required field' },
    ]);
    let out = '';
    reportError({ write: (s: string) => (out += s) } as never, err, false);
    expect(out).toBe(
      [
        '/c/container.json: error: /hostname: expected a string',
        '/c/container.json: error: /cgroups/name: missing required field',
        'nsinit: /c/container.json is not valid (2 errors)',
        '',
      ].join('\n'),
    );
  });
});
