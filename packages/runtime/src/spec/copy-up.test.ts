// tmpcopyup: an image directory that is missing or empty is accepted (the tmpfs starts empty
// either way), one holding files is refused naming the option; symlinks resolve inside the rootfs.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCopyUp, inRootfs } from './copy-up.js';
import type { MountEntry } from './model.js';

const tmpfs = (destination: string): MountEntry => ({
  destination,
  type: 'tmpfs',
  source: 'tmpfs',
  flags: [],
  propagation: [],
  data: '',
  recursive: false,
  mkdir: 0o755,
  noSymlinks: false,
  field: '/mounts/0',
  copyUp: '/mounts/0/options/2',
});

describe('tmpcopyup', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts missing and empty directories and refuses one with files', () => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-copyup-'));
    mkdirSync(join(dir, 'tmp'));
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'lock'), '');
    expect(() => checkCopyUp(dir, [tmpfs('/tmp'), tmpfs('/var/tmp')])).not.toThrow();
    expect(() => checkCopyUp(dir, [tmpfs('/run')])).toThrow(
      /\/mounts\/0\/options\/2: 'tmpcopyup': \/run holds files in the image/,
    );
    expect(() => checkCopyUp(dir, [{ ...tmpfs('/run'), copyUp: undefined }])).not.toThrow();
  });

  it("follows the image's symlinks inside the rootfs, never to the host", () => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-copyup-'));
    mkdirSync(join(dir, 'var'));
    mkdirSync(join(dir, 'run'));
    symlinkSync('/run', join(dir, 'var', 'run')); // absolute: the container's /run
    symlinkSync('../../etc', join(dir, 'var', 'up')); // climbs no higher than the rootfs
    expect(inRootfs(dir, '/var/run')).toBe(join(dir, 'run'));
    expect(inRootfs(dir, '/var/up')).toBe(null); // the image has no /etc
    expect(inRootfs(dir, '/missing/x')).toBe(null);
    writeFileSync(join(dir, 'run', 'pid'), '');
    expect(() => checkCopyUp(dir, [tmpfs('/var/run')])).toThrow(/'tmpcopyup'/);
  });
});
