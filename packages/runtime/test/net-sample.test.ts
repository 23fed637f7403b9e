// The 2014 sample container.json, unchanged (veth network and docker/docker-koye cgroups
// included), run through the real CLI under a pty (it has tty: true) inside a network namespace
// the test creates with a docker0 bridge at 172.17.42.1/16, as Docker's host had.
import { readFileSync } from 'node:fs';
import {
  createBundle,
  nsinitBin,
  REFERENCE_MISSING,
  referenceFile,
  requires,
  spawnInPty,
  useLeakCheck,
} from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { withNetns } from './net-helpers.js';

const SAMPLE = referenceFile();

useLeakCheck({ ipNetns: true });

describe('the 2014 sample with its networks and cgroups', () => {
  it('gets 172.17.0.101/16 on eth0, a default route via docker0, and its cgroup', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    if (SAMPLE === null) return ctx.skip(REFERENCE_MISSING);
    const text = readFileSync(SAMPLE, 'utf8');
    const bundle = await createBundle({ config: () => JSON.parse(text) });
    // Unchanged: the bundle's container.json is the sample, byte for byte in meaning.
    expect(JSON.parse(readFileSync(bundle.configPath, 'utf8'))).toEqual(JSON.parse(text));
    await withNetns('docker0', '172.17.42.1/16', async (ns) => {
      const session = spawnInPty(
        'nsenter',
        [
          `--net=${ns.path}`,
          nsinitBin,
          'exec',
          'sh',
          '-c',
          'ip -o addr show eth0; ip route; ping -c1 -W2 172.17.42.1 >/dev/null && echo gw-ok; ' +
            'grep -E ":(memory|devices):" /proc/self/cgroup; hostname',
        ],
        { cwd: bundle.dir },
      );
      const status = await session.exit();
      const out = session.output().replace(/\r\n/g, '\n');
      expect(status).toMatchObject({ exitCode: 0 });
      expect(out).toMatch(/eth0\s+inet 172\.17\.0\.101\/16/);
      expect(out).toMatch(/^default via 172\.17\.42\.1 dev eth0/m);
      expect(out).toMatch(/^gw-ok$/m);
      expect(out).toMatch(/^\d+:memory:.*\/docker\/docker-koye-[0-9a-f]+$/m);
      expect(out).toMatch(/^\d+:devices:.*\/docker\/docker-koye-[0-9a-f]+$/m);
      expect(out).toMatch(/^koye$/m);
      expect(ns.links().filter((l) => l.startsWith('veth'))).toEqual([]);
    });
  });
});
