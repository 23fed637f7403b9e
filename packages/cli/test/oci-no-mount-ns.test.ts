// A config.json without a mount namespace (runtime-tools' linux_ns_itype; runc allows it): the
// container shares the runtime's mount namespace, its rootfs is bound onto itself there with every
// mount below it and entered with chroot(2), and delete (or a failed create) detaches that one
// mount with its subtree, so nothing stays mounted on the host.
import { readFileSync, readlinkSync } from 'node:fs';
import { createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { created, outputContains } from './oci-helpers.js';

useLeakCheck();

/** Host mount points at or below `dir`. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

const PROBE = [
  '[ -e "$1" ] && echo host-visible || echo host-hidden',
  'ls /proc/self/ns/mnt >/dev/null && echo proc-ok',
  `awk '$5 == "/"' /proc/self/mountinfo | wc -l`,
  'echo up',
  'exec sleep 1000',
].join('; ');

/** No mount namespace, and so (as runc requires) no masked or read-only paths. */
const withoutMountNs = (s: Record<string, any>) => {
  s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount');
  delete s.linux.maskedPaths;
  delete s.linux.readonlyPaths;
};

describe('nsinit-oci without a mount namespace', () => {
  it("sets the rootfs up in the runtime's mount namespace, chroots, and delete leaves nothing mounted", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        withoutMountNs(s);
        s.process.args = ['sh', '-c', PROBE, 'sh'];
      },
    });
    b.writeSpec({
      ...b.spec,
      process: { ...b.spec.process, args: [...b.spec.process.args, b.path('config.json')] },
    });
    const st = await created(b, 'nm');
    // The host's own mount namespace, and the container's mounts below its rootfs there.
    expect(readlinkSync(`/proc/${st.pid}/ns/mnt`)).toBe(readlinkSync('/proc/self/ns/mnt'));
    const mounted = mountsUnder(b.rootfs);
    expect(mounted).toEqual(expect.arrayContaining([b.rootfs, `${b.rootfs}/proc`, `${b.rootfs}/dev`]));
    expect((await b.oci(['start', 'nm'])).exitCode).toBe(0);
    const out = await outputContains(b, 'nm', 'up');
    // Inside: the host's files out of reach, its own /proc, one "/" (the rootfs bind).
    expect(out.trim().split('\n')).toEqual(['host-hidden', 'proc-ok', '1', 'up']);
    // exec would join every namespace but the root: refused rather than run in the host's root.
    const ex = await b.oci(['exec', 'nm', 'true']);
    expect(ex.exitCode).toBe(1);
    expect(ex.stderr).toMatch(/cannot exec in a container without a mount namespace/);
    // The native verbs program reads this record (state here), but leaves delete, which must
    // detach the rootfs bind, to Node as the record's recipe says.
    const native = { env: { ...process.env, NSINIT_OCI_FAST_ONLY: '1' } };
    expect(JSON.parse((await b.oci(['state', 'nm'], native)).stdout).status).toBe('running');
    expect((await b.oci(['delete', '--force', 'nm'], native)).stderr).toMatch(/not handled natively/);
    expect((await b.oci(['delete', '--force', 'nm'])).exitCode).toBe(0);
    expect(mountsUnder(b.rootfs)).toEqual([]);
  });

  it('a create that fails halfway detaches what the init had mounted', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        withoutMountNs(s);
        s.process.args = ['true'];
        // After /proc, /dev, ... are mounted: a filesystem type the kernel does not have.
        s.mounts.push({ destination: '/late', type: 'nosuchfs', source: 'none' });
      },
    });
    const r = await b.create('nf');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/nosuchfs|ENODEV|no such device/i);
    expect(mountsUnder(b.rootfs)).toEqual([]);
  });

  it('still refuses a user namespace without a mount namespace', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        withoutMountNs(s);
        s.linux.namespaces.push({ type: 'user' });
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      },
    });
    const r = await b.create('nu');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\/linux\/namespaces: a 'user' namespace needs a 'mount' namespace too/);
    expect(mountsUnder(b.rootfs)).toEqual([]);
  });
});
