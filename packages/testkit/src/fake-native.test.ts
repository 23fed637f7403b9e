import { describe, expect, it } from 'vitest';
import { createNativeFake } from './fake-native.js';

const plan = { cloneFlags: 0x20000, stdio: [0, 1, 2] as [number, number, number], consoleFd: -1, steps: [] };

describe('createNativeFake', () => {
  it('records every call in order with its arguments', async () => {
    const fake = createNativeFake();
    const child = fake.spawn(plan);
    fake.go(child.sync);
    expect(await fake.awaitExec(child.sync)).toBeNull();
    expect(await fake.waitExit(child.pidfd)).toEqual({ exitCode: 0, signal: null });
    fake.close(child.pidfd);
    expect(fake.calls).toEqual([
      { name: 'spawn', args: [plan] },
      { name: 'go', args: [child.sync] },
      { name: 'awaitExec', args: [child.sync] },
      { name: 'waitExit', args: [child.pidfd] },
      { name: 'close', args: [child.pidfd] },
    ]);
  });

  it('tracks fake fds until they are closed (awaitExec closes the sync socket like the addon)', async () => {
    const fake = createNativeFake();
    const a = fake.spawn(plan);
    const [r, w] = fake.pipe();
    expect(fake.openFds()).toEqual([a.pidfd, a.sync, r, w].sort((x, y) => x - y));
    await fake.awaitExec(a.sync);
    fake.close(a.pidfd);
    fake.close(r);
    expect(fake.openFds()).toEqual([w]);
  });

  it('gives distinct pids and fds', async () => {
    const fake = createNativeFake();
    const a = fake.spawn(plan);
    const b = await fake.join(a.pidfd, 0x20000, plan);
    expect(new Set([a.pid, b.pid]).size).toBe(2);
    expect(new Set([a.pidfd, a.sync, b.pidfd, b.sync]).size).toBe(4);
  });

  it('throws the configured error from sync bindings, still recording the call', () => {
    const boom = Object.assign(new Error('EPERM: operation not permitted, clone3'), { code: 'EPERM' });
    const fake = createNativeFake({ fail: { spawn: boom } });
    expect(() => fake.spawn(plan)).toThrow(boom);
    expect(fake.calls.map((c) => c.name)).toEqual(['spawn']);
    expect(fake.openFds()).toEqual([]);
  });

  it('rejects async bindings with the configured error', async () => {
    const boom = new Error('EINTR');
    const fake = createNativeFake({ fail: { waitExit: boom, awaitExec: boom } });
    await expect(fake.waitExit(3)).rejects.toBe(boom);
    await expect(fake.awaitExec(4)).rejects.toBe(boom);
  });

  it('remembers window sizes per fd', () => {
    const fake = createNativeFake();
    const { master } = fake.openPty();
    expect(fake.getWinSize(master)).toEqual({ cols: 80, rows: 24 });
    fake.setWinSize(master, { cols: 100, rows: 30 });
    expect(fake.getWinSize(master)).toEqual({ cols: 100, rows: 30 });
  });

  it('answers a netlink request with an ACK echoing its sequence number', () => {
    const fake = createNativeFake();
    const sock = fake.netlinkOpen(-1);
    const req = Buffer.alloc(16);
    req.writeUInt32LE(16, 0);
    req.writeUInt16LE(16, 4); // RTM_NEWLINK
    req.writeUInt32LE(77, 8);
    fake.netlinkSend(sock, req);
    const ack = fake.netlinkRecv(sock);
    expect(ack.readUInt16LE(4)).toBe(2); // NLMSG_ERROR
    expect(ack.readUInt32LE(8)).toBe(77);
    expect(ack.readInt32LE(16)).toBe(0);
    expect(ack.subarray(20, 36).equals(req)).toBe(true);
  });

  it('carries the kernel tables the runtime reads', () => {
    const fake = createNativeFake();
    expect(fake.capabilities.CHOWN).toBe(0);
    expect(fake.capabilities.SYS_ADMIN).toBe(21);
    expect(fake.rlimits.RLIMIT_NOFILE).toBe(7);
    expect(fake.constants.CLONE_NEWPID).toBe(0x20000000);
    expect(fake.constants.MS_BIND).toBe(4096);
    expect(fake.constants.SIGKILL).toBe(9);
  });
});
