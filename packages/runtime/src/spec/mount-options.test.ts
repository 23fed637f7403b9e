import { describe, expect, it } from 'vitest';
import { parseMountOptions } from './mount-options.js';

describe('parseMountOptions', () => {
  it('parses runc mount options into flags, propagation and data', () => {
    expect(parseMountOptions(['nosuid', 'noexec', 'nodev', 'relatime', 'ro'], '/m')).toMatchObject({
      flags: ['MS_NODEV', 'MS_NOEXEC', 'MS_NOSUID', 'MS_RDONLY', 'MS_RELATIME'],
      data: [],
      bind: false,
    });
    expect(
      parseMountOptions(['rbind', 'rprivate', 'ro', 'rw', 'strictatime', 'noatime'], '/m'),
    ).toMatchObject({
      bind: true,
      recursive: true,
      flags: ['MS_NOATIME'],
      propagation: ['MS_REC', 'MS_PRIVATE'],
    });
    expect(
      parseMountOptions(['mode=1777', 'size=65536k', 'nosuid', 'rnodev', 'rro', 'defaults'], '/m'),
    ).toMatchObject({
      flags: ['MS_NODEV', 'MS_NOSUID', 'MS_RDONLY'],
      data: ['mode=1777', 'size=65536k'],
    });
    expect(parseMountOptions(['nosymfollow', 'sync', 'suid', 'nosuid', 'suid'], '/m')).toMatchObject({
      flags: ['MS_NOSYMFOLLOW'],
      data: ['sync'],
    });
    // Filesystem data on a bind is dropped, as runc does (the bind has no filesystem to take it).
    expect(parseMountOptions(['bind', 'nosuid', 'mode=755', 'size=1k', 'shared'], '/m')).toMatchObject({
      bind: true,
      flags: ['MS_NOSUID'],
      propagation: ['MS_SHARED'],
      data: [],
    });
    // idmap/ridmap choose how far the mapping reaches; they never become mount data.
    expect(parseMountOptions(['rbind', 'idmap'], '/mounts/0/options')).toMatchObject({
      recursive: true,
      data: [],
      idmap: { recursive: false, at: '/mounts/0/options/1' },
    });
    expect(parseMountOptions(['ridmap', 'bind'], '/mounts/0/options')).toMatchObject({
      recursive: false,
      idmap: { recursive: true, at: '/mounts/0/options/0' },
    });
    expect(parseMountOptions(['bind'], '/m').idmap).toBeUndefined();
    expect(parseMountOptions(['nosuid', 'tmpcopyup'], '/mounts/3/options').copyUp).toBe(
      '/mounts/3/options/1',
    );
  });
});
