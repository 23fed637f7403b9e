// Which directories name a container's leaf, and the handle a trusted record rebuilds (no kernel).
import { describe, expect, it } from 'vitest';
import { endsWithLeaf } from './handle.js';
import { cgroupFromRecord, cgroupRecord } from './index.js';

describe('endsWithLeaf', () => {
  it('accepts the bare name and one instance leaf, nothing else', () => {
    expect(endsWithLeaf('/sys/fs/cgroup/pids/p/web', '/p/web')).toBe(true);
    expect(endsWithLeaf('/sys/fs/cgroup/pids/p/web-0123456789ab', '/p/web')).toBe(true);
    expect(endsWithLeaf('/sys/fs/cgroup/pids/p/web-0123456789', '/p/web')).toBe(false);
    expect(endsWithLeaf('/sys/fs/cgroup/pids/p/webx-0123456789ab', '/p/web')).toBe(false);
    expect(endsWithLeaf('/sys/fs/cgroup/pids/q/web-0123456789ab', '/p/web')).toBe(false);
  });
});

describe('cgroupFromRecord', () => {
  it('rebuilds the recorded v1 and v2 directories and parents exactly', () => {
    const v1 = {
      version: 1 as const,
      paths: { memory: '/m/p/w-1', pids: '/q/p/w-1' },
      parents: ['/m/p', '/q/p'],
    };
    expect(cgroupRecord(cgroupFromRecord(v1))).toEqual(v1);
    const v2 = { version: 2 as const, paths: { unified: '/u/p/w-1' }, parents: ['/u/p'] };
    expect(cgroupRecord(cgroupFromRecord(v2))).toEqual(v2);
  });
});
