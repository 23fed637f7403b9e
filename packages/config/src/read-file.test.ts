// readBounded and loadConfig against planted files: a FIFO, a symlink to /dev/zero, a character
// device, a file past the limit. Each is a one-line error naming the file, never a hang or OOM.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, readBounded } from './node.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-read-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('readBounded', () => {
  it('reads a regular file within the limit', () => {
    writeFileSync(join(dir, 'pid'), '123');
    expect(readBounded(join(dir, 'pid'), 32)).toBe('123');
    expect(readBounded(join(dir, 'missing'), 32, { optional: true })).toBeNull();
  });

  it('refuses a FIFO without blocking', { timeout: 5000 }, () => {
    const file = join(dir, 'container.json');
    execFileSync('mkfifo', [file]);
    expect(message(() => readBounded(file, 1024))).toBe(`${file}: not a regular file (fifo)`);
    expect(message(() => loadConfig(file))).toBe(`cannot read config ${file}: not a regular file (fifo)`);
  });

  it('refuses a final symlink, even to /dev/zero', { timeout: 5000 }, () => {
    const file = join(dir, 'container.json');
    symlinkSync('/dev/zero', file);
    expect(message(() => readBounded(file, 1024))).toBe(`${file}: is a symbolic link`);
    expect(message(() => loadConfig(file))).toBe(`cannot read config ${file}: is a symbolic link`);
  });

  it('refuses a character device', () => {
    expect(message(() => readBounded('/dev/zero', 1024))).toBe(
      '/dev/zero: not a regular file (character device)',
    );
  });

  it('refuses a file past the limit without reading it all', { timeout: 5000 }, () => {
    const file = join(dir, 'container.json');
    writeFileSync(file, '');
    truncateSync(file, 1024 * 1024 * 1024); // sparse: 1 GiB of zeros without the disk space
    expect(message(() => loadConfig(file))).toBe(`cannot read config ${file}: larger than 4 MiB`);
    writeFileSync(join(dir, 'pid'), '1'.repeat(33));
    expect(message(() => readBounded(join(dir, 'pid'), 32))).toBe(
      `${join(dir, 'pid')}: larger than 32 bytes`,
    );
  });

  it('never echoes the contents of what it refuses', () => {
    const file = join(dir, 'pid');
    writeFileSync(file, 'root:$6$secret-hash:19000:0:99999:7:::\n'.repeat(4));
    expect(message(() => readBounded(file, 32))).not.toContain('secret');
  });
});
