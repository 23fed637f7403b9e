// The personality and domainname steps: a LINUX32 execution domain survives execve (uname -m
// reports a 32-bit machine), and setdomainname names the UTS namespace's NIS domain only.
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { describe, expect, it } from 'vitest';
import { run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('personality and domainname', () => {
  const rootfs = useRootfs();

  it('LINUX32 makes uname report the 32-bit machine; LINUX leaves it', async (ctx) => {
    if (arch() !== 'x64') ctx.skip(`the 32-bit name checked here is x86's (this host is ${arch()})`);
    const linux32 = await run(
      standardPlan(rootfs().path, ['sh', '-c', 'uname -m; grep ^Personality /proc/self/status || true'], {
        afterPivot: [{ op: 'personality', persona: 8 }],
      }),
    );
    expect(linux32.failure).toBeNull();
    expect(linux32.output.split('\n')[0]).toMatch(/^i[3-6]86$/);
    const linux = await run(
      standardPlan(rootfs().path, ['uname', '-m'], { afterPivot: [{ op: 'personality', persona: 0 }] }),
    );
    expect(linux.output).toBe('x86_64\n');
  });

  it('sets the domain name in the container UTS namespace only', async () => {
    const host = readFileSync('/proc/sys/kernel/domainname', 'utf8');
    const res = await run(
      standardPlan(rootfs().path, ['cat', '/proc/sys/kernel/domainname'], {
        afterPivot: [{ op: 'domainname', name: 'pod.example' }],
      }),
    );
    expect(res.failure).toBeNull();
    expect(res.output).toBe('pod.example\n');
    expect(readFileSync('/proc/sys/kernel/domainname', 'utf8')).toBe(host);
  });
});
