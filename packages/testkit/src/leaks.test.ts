import { describe, expect, it } from 'vitest';
import { diffHost, type HostSnapshot, isProcessSingleton } from './leaks.js';

const empty: HostSnapshot = { mounts: [], cgroups: [], links: [], fds: [], children: [], trusted: [] };

describe('diffHost', () => {
  it('is empty for identical snapshots', () => {
    const s: HostSnapshot = {
      mounts: ['/ (ext4 from /dev/vda)'],
      cgroups: ['memory:/a'],
      links: ['lo'],
      fds: ['0 -> /dev/null'],
      children: ['12 (sleep) S'],
      trusted: ['65024-12'],
    };
    expect(diffHost(s, structuredClone(s))).toEqual([]);
  });

  it('names each new resource with its kind', () => {
    const after: HostSnapshot = {
      mounts: ['/tmp/x (tmpfs from tmpfs)'],
      cgroups: ['pids:/nsinit/c1'],
      links: ['veth1a2b'],
      fds: ['21 -> /tmp/file'],
      children: ['40 (sleep) S', '41 (true) Z'],
      trusted: ['65024-12', '65024-12/lock'],
    };
    expect(diffHost(empty, after)).toEqual([
      'mount left behind: /tmp/x (tmpfs from tmpfs)',
      'cgroup directory left behind: pids:/nsinit/c1',
      'network link left behind: veth1a2b',
      'fd left open: 21 -> /tmp/file',
      'trusted state left behind: 65024-12',
      'trusted state left behind: 65024-12/lock',
      'child process left running: pid 40 (sleep)',
      'zombie child process not reaped: pid 41 (true)',
    ]);
  });

  it('ignores what went away and a process that only changed state', () => {
    const before: HostSnapshot = { ...empty, fds: ['5 -> /a'], children: ['40 (sleep) S'] };
    const after: HostSnapshot = { ...empty, children: ['40 (sleep) Z'] };
    expect(diffHost(before, after)).toEqual([]);
  });

  it('counts a mount stacked twice on the same point as a new mount', () => {
    const before: HostSnapshot = { ...empty, mounts: ['/m (tmpfs from tmpfs)'] };
    const after: HostSnapshot = { ...empty, mounts: ['/m (tmpfs from tmpfs)', '/m (tmpfs from tmpfs) #2'] };
    expect(diffHost(before, after)).toEqual(['mount left behind: /m (tmpfs from tmpfs) #2']);
  });

  it('reports an fd number reused for another file', () => {
    const before: HostSnapshot = { ...empty, fds: ['21 -> /tmp/a'] };
    const after: HostSnapshot = { ...empty, fds: ['21 -> /tmp/b'] };
    expect(diffHost(before, after)).toEqual(['fd left open: 21 -> /tmp/b']);
  });
});

describe('isProcessSingleton', () => {
  it("accepts only the first new epoll fd of the process (the addon's watcher)", () => {
    expect(isProcessSingleton('fd left open: 20 -> anon_inode:[eventpoll]')).toBe(true);
    expect(isProcessSingleton('fd left open: 20 -> anon_inode:[eventpoll]')).toBe(true);
    expect(isProcessSingleton('fd left open: 31 -> anon_inode:[eventpoll]')).toBe(false);
    expect(isProcessSingleton('fd left open: 20 -> pipe:[123]')).toBe(false);
  });
});
