// Device nodes, /dev symlinks and mkdir: type, major:minor (dev_t encoding), permission bits.
import { describe, expect, it } from 'vitest';
import type { Step } from '../lib/index.js';
import { C, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('devices', () => {
  const rootfs = useRootfs();

  async function stat(paths: string[], extra: Step[] = []) {
    const res = await run(
      standardPlan(rootfs().path, ['stat', '-c', '%n %F %t:%T %a', ...paths], { beforePivot: extra }),
    );
    expect(res.failure).toBeNull();
    return res.output.trim().split('\n');
  }

  it('creates the 2014 simple devices as 0666 character devices with their numbers', async () => {
    const lines = await stat([
      '/dev/null',
      '/dev/zero',
      '/dev/full',
      '/dev/tty',
      '/dev/urandom',
      '/dev/random',
    ]);
    // stat prints major:minor in hex.
    expect(lines).toEqual([
      '/dev/null character special file 1:3 666',
      '/dev/zero character special file 1:5 666',
      '/dev/full character special file 1:7 666',
      '/dev/tty character special file 5:0 666',
      '/dev/urandom character special file 1:9 666',
      '/dev/random character special file 1:8 666',
    ]);
  });

  it('the nodes work: /dev/zero reads zeros, /dev/null swallows, /dev/full is ENOSPC', async () => {
    const res = await run(
      standardPlan(rootfs().path, [
        'sh',
        '-c',
        'head -c 3 /dev/zero | od -An -tx1; echo x > /dev/null && echo null-ok; echo x > /dev/full',
      ]),
    );
    const out = res.output.trim().split('\n');
    expect(out[0]!.trim()).toBe('00 00 00');
    expect(out[1]).toBe('null-ok');
    expect(out[2]).toMatch(/No space left on device/);
  });

  it('encodes large minors, block devices and mode 0 exactly as planned', async () => {
    const extra: Step[] = [
      { op: 'umask', mask: 0 },
      { op: 'mknod', target: '/dev/fuse', mode: C.S_IFCHR, major: 10, minor: 229 },
      { op: 'mknod', target: '/dev/big', mode: C.S_IFCHR | 0o600, major: 240, minor: 0x12345 },
      { op: 'mknod', target: '/dev/blk', mode: C.S_IFBLK | 0o660, major: 7, minor: 300 },
    ];
    const lines = await stat(['/dev/fuse', '/dev/big', '/dev/blk'], extra);
    expect(lines).toEqual([
      '/dev/fuse character special file a:e5 0',
      '/dev/big character special file f0:12345 600',
      '/dev/blk block special file 7:12c 660',
    ]);
  });

  it('links /dev/ptmx, /dev/fd and the stdio names', async () => {
    const res = await run(
      standardPlan(rootfs().path, [
        'sh',
        '-c',
        'for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done',
      ]),
    );
    expect(res.output.trim().split('\n')).toEqual([
      'pts/ptmx',
      '/proc/self/fd',
      '/proc/self/fd/0',
      '/proc/self/fd/1',
      '/proc/self/fd/2',
    ]);
  });

  it('mkdir creates a directory (and missing parents) with the mode, ignoring EEXIST', async () => {
    const steps: Step[] = [
      { op: 'umask', mask: 0 },
      { op: 'mkdir', target: '/dev/net/deep', mode: 0o711 },
      { op: 'mkdir', target: '/dev/net/deep', mode: 0o711 },
    ];
    const lines = await stat(['/dev/net', '/dev/net/deep'], steps);
    expect(lines).toEqual(['/dev/net directory 0:0 755', '/dev/net/deep directory 0:0 711']);
  });

  it('an existing node is left alone (EEXIST ignored)', async () => {
    const again: Step = { op: 'mknod', target: '/dev/null', mode: C.S_IFCHR | 0o600, major: 1, minor: 5 };
    const lines = await stat(['/dev/null'], [again]);
    expect(lines).toEqual(['/dev/null character special file 1:3 666']);
  });

  it('chowns a node (and a FIFO) to the configured owner, never through a symlink', async () => {
    const extra: Step[] = [
      { op: 'mknod', target: '/dev/owned', mode: C.S_IFCHR | 0o600, major: 1, minor: 3 },
      { op: 'chown', target: '/dev/owned', uid: 1000, gid: 5 },
      { op: 'mknod', target: '/dev/fifo', mode: C.S_IFIFO | 0o620, major: 0, minor: 0 },
      { op: 'chown', target: '/dev/fifo', uid: -1, gid: 1000 },
      // A symlink pointing at a rootfs file: the link itself changes, /etc/passwd keeps root.
      { op: 'symlink', value: '/etc/passwd', target: '/dev/link' },
      { op: 'chown', target: '/dev/link', uid: 1000, gid: 1000 },
    ];
    const res = await run(
      standardPlan(rootfs().path, ['stat', '-c', '%n %F %u:%g', '/dev/owned', '/dev/fifo', '/etc/passwd'], {
        beforePivot: extra,
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output.trim().split('\n')).toEqual([
      '/dev/owned character special file 1000:5',
      '/dev/fifo fifo 0:1000',
      '/etc/passwd regular file 0:0',
    ]);
  });
});
