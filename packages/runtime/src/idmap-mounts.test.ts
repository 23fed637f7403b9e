import { systemError } from '@nsinit/native';
import { createNativeFake } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { idmapWarnings, type OpenIdmappedTree, openIdmapTrees } from './idmap-mounts.js';
import { fromOci } from './spec/from-oci.js';
import type { OciConfigInput } from './spec/oci-input.js';

const C = createNativeFake().constants;
const map = [{ containerID: 1000, hostID: 0, size: 1 }];

function config(caps: string[], ...sources: string[]): OciConfigInput {
  return {
    ociVersion: '1.2.0',
    process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: { bounding: caps } },
    root: { path: 'rootfs' },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/plain', type: 'bind', source: '/srv/plain', options: ['rbind'] },
      ...sources.map((source, i) => ({
        destination: `/d${i}`,
        type: 'bind',
        source,
        options: ['rbind', 'ro', 'ridmap'],
        uidMappings: map,
        gidMappings: map,
      })),
    ],
    linux: { namespaces: [{ type: 'mount' }] },
  };
}

describe('openIdmapTrees', () => {
  it('clones each idmapped bind with its flags and maps, by mount field', () => {
    const opened: unknown[][] = [];
    const open: OpenIdmappedTree = (source, o) => {
      opened.push([source, o]);
      return 50 + opened.length;
    };
    const t = openIdmapTrees(fromOci(config([], '/srv/a', '/srv/b'), '/b'), open, () => {}, C);
    expect([...t.trees]).toEqual([
      ['/mounts/2', 51],
      ['/mounts/3', 52],
    ]);
    expect(opened[0]).toEqual([
      '/srv/a',
      { recursive: true, flags: C.MS_RDONLY, idmapRecursive: true, uidMappings: map, gidMappings: map },
    ]);
  });

  it('closes the trees it made when a later one is refused, and names that mount', () => {
    const closed: number[] = [];
    const open: OpenIdmappedTree = (source) => {
      if (source === '/srv/b') throw systemError(22, 'mount_setattr', source);
      return 60;
    };
    const spec = fromOci(config([], '/srv/a', '/srv/b'), '/b');
    expect(() => openIdmapTrees(spec, open, (fd) => closed.push(fd), C)).toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_INVALID_CONFIG',
        message:
          "invalid config: /mounts/3/uidMappings: the filesystem of '/srv/b' (or of a mount below it) " +
          'does not support idmapped mounts (EINVAL: mount_setattr)',
        errors: [expect.objectContaining({ path: '/mounts/3/uidMappings' })],
      }),
    );
    expect(closed).toEqual([60]);
  });
});

describe('idmapWarnings', () => {
  it('warns per idmapped mount when CAP_CHOWN is kept without a user namespace', () => {
    expect(idmapWarnings(fromOci(config(['CAP_CHOWN'], '/srv/a'), '/b'))).toEqual([
      expect.stringMatching(/^\/mounts\/2\/uidMappings: without a user namespace the container's CAP_CHOWN/),
    ]);
    expect(idmapWarnings(fromOci(config(['CAP_DAC_OVERRIDE', 'CAP_FOWNER'], '/srv/a'), '/b'))).toEqual([]);
    expect(idmapWarnings(fromOci(config(['CAP_CHOWN']), '/b'))).toEqual([]);
  });
});
