// Mount steps: the standard filesystems, bind mounts (read-only, writable, files, propagation),
// read-only root, the 2014 /proc and /sys restrictions, masks, and both root-changing methods,
// all checked from inside the container with busybox.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Step } from '../lib/index.js';
import { C, deviceSteps, mountSteps, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

interface MountLine {
  target: string;
  options: string;
  optional: string;
  fstype: string;
  source: string;
}

function parseMountinfo(text: string): MountLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [left, right] = line.split(' - ');
      const f = left!.split(' ');
      const r = right!.split(' ');
      return { target: f[4]!, options: f[5]!, optional: f.slice(6).join(' '), fstype: r[0]!, source: r[1]! };
    });
}

const restrictions = (): Step[] => [
  ...['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus'].map(
    (target): Step => ({
      op: 'readonly',
      target,
      flags: C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC,
      recursive: true,
      optional: true,
    }),
  ),
  { op: 'readonly', target: '/sys', flags: 0, recursive: true, optional: false },
  { op: 'mask', target: '/proc/kcore', optional: true },
  // This kernel has no /proc/kcore, so a file that always exists proves the file mask.
  { op: 'mask', target: '/proc/timer_list', optional: false },
];

describe('mounts', () => {
  const rootfs = useRootfs();

  async function mountinfo(o: Parameters<typeof standardPlan>[2] = {}) {
    const res = await run(standardPlan(rootfs().path, ['cat', '/proc/self/mountinfo'], o));
    expect(res.failure).toBeNull();
    return parseMountinfo(res.output);
  }

  it('mounts proc, sysfs, /dev, shm, a new devpts instance and mqueue with the planned flags', async () => {
    const m = await mountinfo();
    const by = (t: string) => m.find((l) => l.target === t);
    expect(by('/')).toBeDefined();
    expect(by('/proc')).toMatchObject({ fstype: 'proc' });
    expect(by('/proc')!.options.split(',')).toEqual(
      expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']),
    );
    expect(by('/sys')).toMatchObject({ fstype: 'sysfs' });
    expect(by('/dev')).toMatchObject({ fstype: 'tmpfs' });
    expect(by('/dev')!.options.split(',')).toEqual(expect.arrayContaining(['nosuid']));
    expect(by('/dev/shm')).toMatchObject({ fstype: 'tmpfs', source: 'shm' });
    expect(by('/dev/pts')).toMatchObject({ fstype: 'devpts', source: 'devpts' });
    expect(by('/dev/mqueue')).toMatchObject({ fstype: 'mqueue' });
    // pivot_root detached the host: no mount of the host's tree remains visible.
    expect(m.map((l) => l.target).filter((t) => t.startsWith('/work') || t.startsWith('/tmp/'))).toEqual([]);
    expect(m.length).toBe(7);
  });

  it('shows an empty new devpts instance and a private /dev/shm with mode 1777', async () => {
    const res = await run(standardPlan(rootfs().path, ['sh', '-c', 'ls /dev/pts; stat -c %a /dev/shm']));
    expect(res.output.trim().split('\n')).toEqual(['ptmx', '1777']);
  });

  it('binds a host directory read-only: readable, not writable, ro in mountinfo', async () => {
    const share = join(rootfs().dir, 'share');
    mkdirSync(share);
    writeFileSync(join(share, 'hello'), 'hi\n');
    const bind: Step = {
      op: 'bind',
      source: share,
      target: '/mnt/share',
      flags: C.MS_RDONLY,
      recursive: true,
      propagation: C.MS_PRIVATE,
    };
    const res = await run(
      standardPlan(
        rootfs().path,
        [
          'sh',
          '-c',
          'cat /mnt/share/hello; touch /mnt/share/x 2>&1; grep " /mnt/share " /proc/self/mountinfo',
        ],
        {
          beforePivot: [bind],
        },
      ),
    );
    expect(res.failure).toBeNull();
    const [hello, touchErr, info] = res.output.trim().split('\n');
    expect(hello).toBe('hi');
    expect(touchErr).toMatch(/Read-only file system/);
    const line = parseMountinfo(info!)[0]!;
    expect(line.options.split(',')).toContain('ro');
    expect(line.optional).not.toMatch(/shared:/);
    expect(existsSync(join(share, 'x'))).toBe(false);
  });

  it('applies runc mount options: nosymfollow refuses symlinks, relatime/noatime/strictatime set the atime mode', async () => {
    const share = join(rootfs().dir, 'opts');
    mkdirSync(share);
    writeFileSync(join(share, 'file'), 'x\n');
    const bind = (target: string, flags: number): Step => ({
      op: 'bind',
      source: share,
      target,
      flags,
      recursive: false,
      propagation: 0,
    });
    const tmpfs: Step = {
      op: 'mount',
      source: 'tmpfs',
      target: '/mnt/nosym',
      fstype: 'tmpfs',
      flags: C.MS_NOSYMFOLLOW | C.MS_NOATIME,
      data: 'size=1m,mode=0700',
      mkdir: 0o755,
      noSymlinks: false,
    };
    const res = await run(
      standardPlan(
        rootfs().path,
        [
          'sh',
          '-c',
          'ln -s /etc/passwd /mnt/nosym/link; cat /mnt/nosym/link >/dev/null 2>&1 && echo followed || echo refused; ' +
            'stat -c %a /mnt/nosym; grep " /mnt/" /proc/self/mountinfo',
        ],
        {
          beforePivot: [
            tmpfs,
            bind('/mnt/noatime', C.MS_NOATIME),
            bind('/mnt/relatime', C.MS_RELATIME),
            bind('/mnt/strict', C.MS_STRICTATIME | C.MS_NODEV),
          ],
        },
      ),
    );
    expect(res.failure).toBeNull();
    const [follow, mode, ...info] = res.output.trim().split('\n');
    expect(follow).toBe('refused');
    expect(mode).toBe('700');
    const opts = Object.fromEntries(
      parseMountinfo(info.join('\n')).map((l) => [l.target, l.options.split(',')]),
    );
    expect(opts['/mnt/nosym']).toEqual(expect.arrayContaining(['nosymfollow', 'noatime']));
    expect(opts['/mnt/noatime']).toContain('noatime');
    expect(opts['/mnt/relatime']).toContain('relatime');
    expect(opts['/mnt/strict']).toEqual(expect.arrayContaining(['nodev']));
    expect(opts['/mnt/strict']).not.toContain('relatime');
  });

  it('binds a host directory writable: a write from inside lands on the host', async () => {
    const share = join(rootfs().dir, 'rw');
    mkdirSync(share);
    const bind: Step = {
      op: 'bind',
      source: share,
      target: '/data',
      flags: 0,
      recursive: false,
      propagation: 0,
    };
    const res = await run(
      standardPlan(rootfs().path, ['sh', '-c', 'echo written > /data/out'], { beforePivot: [bind] }),
    );
    expect(res.exit.exitCode).toBe(0);
    expect(readFileSync(join(share, 'out'), 'utf8')).toBe('written\n');
    expect(existsSync(join(rootfs().path, 'data'))).toBe(true);
  });

  it('binds a single file, creating the missing target as an empty file', async () => {
    const file = join(rootfs().dir, 'config.txt');
    writeFileSync(file, 'value=1\n');
    const bind: Step = {
      op: 'bind',
      source: file,
      target: '/etc/app/config.txt',
      flags: C.MS_RDONLY,
      recursive: false,
      propagation: 0,
    };
    const res = await run(
      standardPlan(rootfs().path, ['cat', '/etc/app/config.txt'], { beforePivot: [bind] }),
    );
    expect(res.output).toBe('value=1\n');
    expect(readFileSync(join(rootfs().path, 'etc/app/config.txt'), 'utf8')).toBe('');
  });

  it('makes / read-only after pivot_root while /dev stays writable', async () => {
    const ro: Step = { op: 'readonly', target: '/', flags: 0, recursive: false, optional: false };
    const res = await run(
      standardPlan(rootfs().path, ['sh', '-c', 'touch /x 2>&1; touch /dev/shm/y && echo shm-ok'], {
        afterPivot: [ro],
      }),
    );
    expect(res.output).toMatch(/Read-only file system/);
    expect(res.output).toMatch(/shm-ok/);
    expect(existsSync(join(rootfs().path, 'x'))).toBe(false);
  });

  it('applies the 2014 restrictions: /proc/sys and /sys read-only, /proc/kcore masked', async () => {
    const script = [
      'echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 || true',
      'grep -E " /proc/(sys|sysrq-trigger|irq|bus|kcore|timer_list) | /sys " /proc/self/mountinfo',
      'wc -c < /proc/timer_list',
      'echo x > /proc/timer_list 2>&1 || true',
      'touch /sys/x 2>&1 || true',
    ].join('; ');
    const res = await run(standardPlan(rootfs().path, ['sh', '-c', script], { afterPivot: restrictions() }));
    expect(res.failure).toBeNull();
    const lines = res.output.trim().split('\n');
    expect(lines[0]).toMatch(/Read-only file system/);
    const info = parseMountinfo(lines.filter((l) => l.includes(' - ')).join('\n'));
    // This kernel has no /proc/sysrq-trigger: the optional step skipped it.
    for (const t of ['/proc/sys', '/proc/bus', '/sys']) {
      const line = info.find((l) => l.target === t);
      expect(line, t).toBeDefined();
      expect(line!.options.split(','), t).toContain('ro');
    }
    const masked = info.find((l) => l.target === '/proc/timer_list');
    expect(masked).toMatchObject({ fstype: 'tmpfs' });
    expect(masked!.options.split(',')).toContain('ro');
    expect(lines).toContain('0');
    expect(lines.filter((l) => /Read-only file system/.test(l))).toHaveLength(3);
  });

  it('masks a directory with an empty read-only tmpfs', async () => {
    mkdirSync(join(rootfs().path, 'secret'));
    writeFileSync(join(rootfs().path, 'secret/key'), 'k');
    const res = await run(
      standardPlan(rootfs().path, ['sh', '-c', 'ls -A /secret | wc -l; touch /secret/x 2>&1'], {
        afterPivot: [{ op: 'mask', target: '/secret', optional: false }],
      }),
    );
    const [count, touch] = res.output.trim().split('\n');
    expect(count).toBe('0');
    expect(touch).toMatch(/Read-only file system/);
  });

  it('an optional mask or readonly of a missing path is skipped, a required one fails', async () => {
    const ok = await run(
      standardPlan(rootfs().path, ['true'], {
        afterPivot: [
          { op: 'mask', target: '/proc/nosuch', optional: true },
          { op: 'readonly', target: '/nosuch', flags: 0, recursive: false, optional: true },
        ],
      }),
    );
    expect(ok.failure).toBeNull();
    const bad = await run(
      standardPlan(rootfs().path, ['true'], {
        afterPivot: [{ op: 'mask', target: '/nosuch', optional: false }],
      }),
    );
    expect(bad.failure).toMatchObject({ op: 'mask', syscall: 'openat2', errno: 2, path: '/nosuch' });
  });

  it('refuses to mask a /proc path that is not procfs', async () => {
    // An image could hide a fake /proc; here /proc is left unmounted so /proc/kcore-like paths are
    // plain rootfs files.
    mkdirSync(join(rootfs().path, 'proc/fake'), { recursive: true });
    const mounts = mountSteps().filter((s) => s.op !== 'mount' || s.target !== '/proc');
    const res = await run(
      standardPlan(rootfs().path, ['true'], {
        mounts: [...mounts, ...deviceSteps()],
        afterPivot: [{ op: 'mask', target: '/proc/fake', optional: false }],
      }),
    );
    expect(res.failure).toMatchObject({ op: 'mask', syscall: 'fstatfs', errno: 18, path: '/proc/fake' });
  });

  it('no_pivot_root: MS_SLAVE propagation, MS_MOVE onto / and chroot', async () => {
    const plan = standardPlan(rootfs().path, ['sh', '-c', 'ls /bin/busybox; hostname'], {
      hostname: 'moved',
    });
    plan.steps[0] = { op: 'propagation', flags: C.MS_REC | C.MS_SLAVE };
    const i = plan.steps.findIndex((s) => s.op === 'pivot-root');
    plan.steps[i] = { op: 'move-root' };
    const res = await run(plan);
    expect(res.failure).toBeNull();
    expect(res.output.trim().split('\n')).toEqual(['/bin/busybox', 'moved']);
  });

  it('a filesystem mount takes its planned propagation (shared, unbindable) and is private without one', async () => {
    const tmpfs = (target: string, propagation?: number): Step => ({
      op: 'mount',
      source: 'tmpfs',
      target,
      fstype: 'tmpfs',
      flags: 0,
      data: '',
      mkdir: 0o755,
      noSymlinks: false,
      ...(propagation === undefined ? {} : { propagation }),
    });
    const res = await run(
      standardPlan(rootfs().path, ['grep', ' /p/', '/proc/self/mountinfo'], {
        beforePivot: [
          tmpfs('/p/shared', C.MS_SHARED),
          tmpfs('/p/unbindable', C.MS_UNBINDABLE),
          tmpfs('/p/plain'),
        ],
      }),
    );
    expect(res.failure).toBeNull();
    const lines = Object.fromEntries(parseMountinfo(res.output).map((l) => [l.target, l.optional]));
    expect(lines['/p/shared']).toMatch(/shared:\d+/);
    expect(lines['/p/unbindable']).toMatch(/unbindable/);
    expect(lines['/p/plain']).toBe('');
  });

  it('a bind with MS_SHARED propagation is shared inside the namespace', async () => {
    const share = join(rootfs().dir, 'sh');
    mkdirSync(share);
    const bind: Step = {
      op: 'bind',
      source: share,
      target: '/shared',
      flags: 0,
      recursive: false,
      propagation: C.MS_SHARED,
    };
    const res = await run(
      standardPlan(rootfs().path, ['grep', ' /shared ', '/proc/self/mountinfo'], { beforePivot: [bind] }),
    );
    expect(parseMountinfo(res.output)[0]!.optional).toMatch(/shared:\d+/);
  });
});
