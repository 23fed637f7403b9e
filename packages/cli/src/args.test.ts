import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS, parseOptions, UsageError } from './args.js';

const parse = (argv: string[]) => parseOptions(argv, GLOBAL_OPTIONS, 'exec', 125);

describe('parseOptions', () => {
  it('stops at the first positional so the command keeps its dashes', () => {
    expect(parse(['--root', '/d', 'ls', '-la', '--root', 'x'])).toEqual({
      options: { root: '/d' },
      rest: ['ls', '-la', '--root', 'x'],
    });
  });
  it('accepts --name=value, short flags and -- as the end of options', () => {
    expect(parse(['--dir=/r', '--debug', '--', '--help'])).toEqual({
      options: { dir: '/r', debug: true },
      rest: ['--help'],
    });
    expect(parse(['-h']).options).toEqual({ help: true });
  });
  it('rejects unknown options with the command name and its usage exit code', () => {
    const err = (() => {
      try {
        parse(['--x', 'ls']);
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err?.message).toBe("unknown option '--x' for exec");
    expect(err?.exitCode).toBe(125);
    expect(() => parse(['--x=1'])).toThrow("unknown option '--x' for exec");
  });
  it('requires values and refuses values on flags', () => {
    expect(() => parse(['--root'])).toThrow(/needs a value \(DIR\)/);
    expect(() => parse(['--root='])).toThrow(/non-empty/);
    expect(() => parse(['--debug=yes'])).toThrow(/takes no value/);
  });
  it('treats a lone dash as a positional', () => {
    expect(parse(['-', 'x']).rest).toEqual(['-', 'x']);
  });
});
