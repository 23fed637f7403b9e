// "Did you mean" suggestions for namespace, capability and rlimit names and keys.
import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, NAMESPACE_NAMES, RLIMIT_NAMES } from './names.js';
import { closest, editDistance } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', 'abd', 1],
    ['abc', 'acb', 1],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
  ])('%j -> %j is %i', (a, b, d) => expect(editDistance(a, b)).toBe(d));
});

describe('closest', () => {
  it.each([
    ['NEWPDI', NAMESPACE_NAMES, 'NEWPID'],
    ['newnet', NAMESPACE_NAMES, 'NEWNET'],
    ['CLONE_NEWUTS', NAMESPACE_NAMES, 'NEWUTS'],
    ['CAP_NET_ADMIN', CAPABILITY_NAMES, 'NET_ADMIN'],
    ['sys-admin', CAPABILITY_NAMES, 'SYS_ADMIN'],
    ['SYSADMIN', CAPABILITY_NAMES, 'SYS_ADMIN'],
    ['NOFILE', RLIMIT_NAMES, 'RLIMIT_NOFILE'],
    ['rlimit_nproc', RLIMIT_NAMES, 'RLIMIT_NPROC'],
  ])('%s -> %s', (input, candidates, expected) => expect(closest(input, candidates)).toBe(expected));

  it('suggests nothing for unrelated input', () => {
    expect(closest('banana', NAMESPACE_NAMES)).toBeUndefined();
    expect(closest('', CAPABILITY_NAMES)).toBeUndefined();
  });
});
