// NETLINK_ROUTE sockets opened inside another network namespace (by pidfd or netns fd): a link dump
// there shows only the new namespace's lo, and bringing lo up from the parent is visible inside.
import { closeSync, openSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { native, type Spawned } from '../lib/index.js';
import { C, isRoot, mountsUnder, run, standardPlan } from './helpers/plan.js';
import { makeRootfs, type TestRootfs } from './helpers/rootfs.js';

const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const NLM_F_DUMP = 0x300;
const IFLA_IFNAME = 3;
let seq = 1;

function linkMsg(type: number, flags: number, index = 0, ifFlags = 0, change = 0): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(32, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq++, 8);
  b.writeInt32LE(index, 20);
  b.writeUInt32LE(ifFlags, 24);
  b.writeUInt32LE(change, 28);
  return b;
}

function dumpLinks(fd: number): string[] {
  native.netlinkSend(fd, linkMsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP));
  const names: string[] = [];
  for (;;) {
    const buf = native.netlinkRecv(fd);
    for (let off = 0; off + 16 <= buf.length; ) {
      const len = buf.readUInt32LE(off);
      const type = buf.readUInt16LE(off + 4);
      if (type === NLMSG_DONE) return names;
      if (type === NLMSG_ERROR) throw new Error(`netlink error ${buf.readInt32LE(off + 16)}`);
      if (type === RTM_NEWLINK) {
        for (let a = off + 32; a + 4 <= off + len; ) {
          const alen = buf.readUInt16LE(a);
          if (alen < 4) break;
          if (buf.readUInt16LE(a + 2) === IFLA_IFNAME)
            names.push(buf.toString('utf8', a + 4, a + alen).replace(/\0.*$/, ''));
          a += (alen + 3) & ~3;
        }
      }
      off += (len + 3) & ~3;
    }
  }
}

function setLoUp(fd: number): number {
  native.netlinkSend(fd, linkMsg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 1, 1));
  const ack = native.netlinkRecv(fd);
  expect(ack.readUInt16LE(4)).toBe(NLMSG_ERROR);
  return ack.readInt32LE(16);
}

describe('netlink', () => {
  let fs: TestRootfs;
  let child: Spawned | undefined;
  beforeEach((ctx) => {
    if (!isRoot) ctx.skip('needs root');
    fs = makeRootfs();
  });
  afterEach(async () => {
    if (!isRoot) return;
    if (child) {
      native.pidfdSignal(child.pidfd, C.SIGKILL);
      native.close(child.sync);
      await native.waitExit(child.pidfd);
      native.close(child.pidfd);
      child = undefined;
    }
    fs.remove();
    expect(mountsUnder(fs.dir)).toEqual([]);
  });

  it('-1 opens a socket in our own network namespace', () => {
    const fd = native.netlinkOpen(-1);
    try {
      expect(dumpLinks(fd)).toContain('lo');
    } finally {
      native.close(fd);
    }
  });

  it("through a pidfd, the socket lives in the waiting child's new netns", () => {
    child = native.spawn(standardPlan(fs.path, ['true']));
    const fd = native.netlinkOpen(child.pidfd);
    try {
      expect(dumpLinks(fd)).toEqual(['lo']);
    } finally {
      native.close(fd);
    }
  });

  it('through a netns fd, and lo brought up from the parent is up inside', async () => {
    let nsfd = -1;
    const res = await run(standardPlan(fs.path, ['cat', '/sys/class/net/lo/flags']), {
      beforeGo: (s) => {
        nsfd = openSync(`/proc/${s.pid}/ns/net`, 'r');
        const fd = native.netlinkOpen(nsfd);
        try {
          expect(dumpLinks(fd)).toEqual(['lo']);
          expect(setLoUp(fd)).toBe(0);
        } finally {
          native.close(fd);
          closeSync(nsfd);
        }
      },
    });
    expect(res.failure).toBeNull();
    expect(Number(res.output.trim()) & 1).toBe(1); // IFF_UP
  });

  it('a receive with nothing pending times out with ETIMEDOUT instead of hanging', () => {
    const fd = native.netlinkOpen(-1);
    try {
      expect(() => native.netlinkRecv(fd)).toThrow(
        expect.objectContaining({ code: 'ETIMEDOUT', syscall: 'recvmsg' }),
      );
    } finally {
      native.close(fd);
    }
  }, 15_000);

  it('an fd that is not a namespace fails setns with EINVAL', () => {
    const fd = openSync('/etc/hostname', 'r');
    try {
      expect(() => native.netlinkOpen(fd)).toThrow(
        expect.objectContaining({ code: 'EINVAL', syscall: 'setns' }),
      );
    } finally {
      closeSync(fd);
    }
  });
});
