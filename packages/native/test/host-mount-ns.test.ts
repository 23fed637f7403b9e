// A plan without a new or joined mount namespace acts on the caller's own mounts: spawn refuses
// it before clone unless it is the OCI "no mount namespace" shape, where everything is mounted
// under the rootfs bound onto itself and the root changes with chroot: never pivot_root or
// MS_MOVE (they would move the host's root), and no propagation step before the chroot (it would
// change the host's "/"). Refused plans never reach clone, so nothing here touches the host.
import { describe, expect, it } from 'vitest';
import { native, type Plan, type Step } from '../lib/index.js';
import { C, execStep } from './helpers/plan.js';

const rootfs: Step = { op: 'rootfs', path: '/nonexistent-rootfs', flags: C.MS_BIND | C.MS_REC };
const proc: Step = {
  op: 'mount',
  source: 'proc',
  target: '/proc',
  fstype: 'proc',
  flags: 0,
  data: '',
  mkdir: 0o755,
  noSymlinks: true,
};

function spawnRefused(steps: Step[]) {
  const plan: Plan = { cloneFlags: C.CLONE_NEWPID, stdio: [-1, -1, -1], consoleFd: -1, steps };
  return () => native.spawn(plan);
}

describe('plans without a mount namespace', () => {
  it('are refused before clone unless they only chroot, with no propagation step before it', () => {
    const needs = /needs a new or joined mount namespace \(CLONE_NEWNS\)/;
    expect(spawnRefused([rootfs, proc, { op: 'pivot-root' }, execStep(['true'])])).toThrow(needs);
    expect(spawnRefused([rootfs, proc, { op: 'move-root' }, execStep(['true'])])).toThrow(needs);
    // chroot, but pivot_root or MS_MOVE as well.
    expect(spawnRefused([rootfs, proc, { op: 'chroot' }, { op: 'pivot-root' }, execStep(['true'])])).toThrow(
      needs,
    );
    expect(spawnRefused([rootfs, { op: 'move-root' }, { op: 'chroot' }, execStep(['true'])])).toThrow(needs);
    // A propagation change of "/" before the chroot would be the host's.
    expect(
      spawnRefused([
        { op: 'propagation', flags: C.MS_REC | C.MS_PRIVATE },
        rootfs,
        { op: 'chroot' },
        execStep(['true']),
      ]),
    ).toThrow(needs);
    expect(
      spawnRefused([
        rootfs,
        { op: 'propagation', flags: C.MS_REC | C.MS_PRIVATE },
        { op: 'chroot' },
        execStep(['true']),
      ]),
    ).toThrow(needs);
  });
});
