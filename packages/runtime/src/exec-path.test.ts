import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH, execCandidates } from './exec-path.js';

describe('execCandidates', () => {
  it('walks PATH in order', () => {
    expect(execCandidates('sh', ['PATH=/bin:/usr/bin'])).toEqual(['/bin/sh', '/usr/bin/sh']);
  });
  it('uses the default PATH when the environment has none', () => {
    expect(execCandidates('sh', [])).toEqual(DEFAULT_PATH.split(':').map((d) => `${d}/sh`));
  });
  it('uses a name with a slash as is, relative to the working directory', () => {
    expect(execCandidates('/bin/sh', ['PATH=/nope'])).toEqual(['/bin/sh']);
    expect(execCandidates('./run', ['PATH=/nope'], '/app')).toEqual(['/app/run']);
  });
  it('treats an empty PATH element as the working directory and drops duplicates', () => {
    expect(execCandidates('x', ['PATH=/bin::/bin'], '/w')).toEqual(['/bin/x', '/w/x']);
  });
  it('takes the last PATH entry, as the built envp would', () => {
    expect(execCandidates('x', ['PATH=/a', 'PATH=/b'])).toEqual(['/b/x']);
  });
});
