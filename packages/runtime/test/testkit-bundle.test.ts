// A testkit bundle is a working container directory: the real runtime (@nsinit/runtime over the
// addon) starts a container in it, and busybox applets inside see the namespaces the bundle's
// container.json asks for — its hostname, PID 1, the unprivileged user from etc/passwd.
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBundle, unmet, useLeakCheck } from '@nsinit/testkit';

async function collect(stream: Readable | null): Promise<string> {
  let out = '';
  if (!stream) return out;
  stream.setEncoding('utf8');
  for await (const chunk of stream) out += chunk;
  return out;
}

describe('a testkit bundle under the real runtime', () => {
  useLeakCheck();

  it('runs busybox as PID 1 with the configured hostname and user', async ({ skip }) => {
    const reason = unmet('root', 'busybox');
    if (reason) skip(reason);
    const { run } = await import('@nsinit/runtime');
    const b = await createBundle({
      config: (c) => {
        c.hostname = 'kit-probe';
        c.user = 'user';
        delete c.cgroups; // cgroup setup is the runtime's own test subject
      },
    });
    const p = await run(b.dir, ['/bin/sh', '-c', 'hostname; echo pid=$$; id -un; ls /etc'], {
      stdio: 'pipe',
    });
    p.stdin?.end();
    const [out, result] = await Promise.all([collect(p.stdout), p.wait()]);
    expect(result.exitCode).toBe(0);
    expect(out.split('\n').slice(0, 3)).toEqual(['kit-probe', 'pid=1', 'user']);
    expect(out).toMatch(/group\s+passwd/);
  });
});
