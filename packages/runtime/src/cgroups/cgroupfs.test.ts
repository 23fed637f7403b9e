import { describe, expect, it } from 'vitest';
import { parseCgroupMounts, parseFlatKeyed, parseIntValue, parseProcCgroup, underMount } from './cgroupfs.js';
import { detectCgroupVersion } from './index.js';

// Shapes of /proc/self/mountinfo for the three host layouts (hybrid is this project's CI machine).
const hybrid = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const unified =
  '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n';
const legacyNamedOnly =
  '40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n41 31 0:38 / /x rw - cgroup2 cgroup2 rw\n';

describe('cgroup discovery', () => {
  it('reads controllers and roots from mountinfo', () => {
    expect(parseCgroupMounts(hybrid)).toEqual([
      {
        fstype: 'cgroup',
        mountpoint: '/sys/fs/cgroup/cpu,cpuacct',
        root: '/',
        controllers: ['cpu', 'cpuacct'],
      },
      { fstype: 'cgroup', mountpoint: '/sys/fs/cgroup/memory', root: '/', controllers: ['memory'] },
      { fstype: 'cgroup', mountpoint: '/sys/fs/cgroup/systemd', root: '/', controllers: ['name=systemd'] },
      { fstype: 'cgroup2', mountpoint: '/sys/fs/cgroup/unified', root: '/', controllers: [] },
    ]);
  });

  it('detects v1 on legacy/hybrid hosts and v2 on unified ones', () => {
    expect(detectCgroupVersion(hybrid)).toBe(1);
    expect(detectCgroupVersion(unified)).toBe(2);
    expect(detectCgroupVersion(legacyNamedOnly)).toBe(2);
    expect(detectCgroupVersion('')).toBeNull();
  });

  it('parses /proc/<pid>/cgroup including co-mounted and named hierarchies', () => {
    const text = '9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/user.slice\n';
    expect(parseProcCgroup(text)).toEqual([
      { id: 9, controllers: ['name=systemd'], path: '/' },
      { id: 4, controllers: ['memory'], path: '/process_api/abc' },
      { id: 2, controllers: ['cpu', 'cpuacct'], path: '/' },
      { id: 0, controllers: [], path: '/user.slice' },
    ]);
  });

  it('maps our cgroup path through a mount whose root is not /', () => {
    expect(underMount('/', '/a/b')).toBe('/a/b');
    expect(underMount('/a', '/a/b')).toBe('/b');
    expect(underMount('/a', '/a')).toBe('/');
    expect(underMount('/a', '/ab')).toBe('/ab');
  });

  it('parses interface file values', () => {
    expect(parseIntValue('max\n', 'x')).toBeNull();
    expect(parseIntValue('9223372036854771712\n', 'x')).toBe(9223372036854771712n);
    expect(() => parseIntValue('12abc', 'memory.max')).toThrow(/memory\.max/);
    expect(parseFlatKeyed('nr_periods 10\nnr_throttled 3\nbad line here\n')).toEqual({
      nr_periods: 10,
      nr_throttled: 3,
    });
  });
});
