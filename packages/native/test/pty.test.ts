// Terminals: openPty (ptmx + TIOCGPTPEER), window size, raw mode and its restore (termios), and a
// container whose stdio and /dev/console are the pty slave, with a controlling terminal from the
// session step.
import { writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { native, type Step } from '../lib/index.js';
import { cloexec, readAll, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

describe('pty', () => {
  const rootfs = useRootfs();

  it('opens a master/slave pair and round-trips the window size', () => {
    const { master, slave } = native.openPty();
    try {
      expect(cloexec(slave)).toBe(true);
      native.setWinSize(master, { cols: 132, rows: 43 });
      expect(native.getWinSize(slave)).toEqual({ cols: 132, rows: 43 });
    } finally {
      native.close(slave);
      native.close(master);
    }
  });

  it('makeRaw applies cfmakeraw semantics and restoreTermios puts back the exact modes', async () => {
    const { master, slave } = native.openPty();
    const out = readAll(master).finally(() => native.close(master));
    const c = native.constants;
    const bits = (...names: string[]) => names.reduce((acc, n) => acc | c[n]!, 0);
    try {
      const before = native.getTermios(slave);
      // A fresh pty is cooked: the bits raw mode must clear are set to start with.
      expect(before.lflag & bits('ECHO', 'ICANON', 'ISIG')).toBe(bits('ECHO', 'ICANON', 'ISIG'));
      expect(before.oflag & c.OPOST!).toBe(c.OPOST);
      expect(before.iflag & c.ICRNL!).toBe(c.ICRNL);
      // Cooked output: OPOST|ONLCR turns \n into \r\n.
      writeSync(slave, 'cooked\n');

      const saved = native.makeRaw(slave);
      expect(saved).toBeInstanceOf(Uint8Array);
      const raw = native.getTermios(slave);
      const iOff = bits('IGNBRK', 'BRKINT', 'PARMRK', 'ISTRIP', 'INLCR', 'IGNCR', 'ICRNL', 'IXON');
      expect(raw.iflag & iOff).toBe(0);
      expect(raw.oflag & c.OPOST!).toBe(0);
      expect(raw.lflag & bits('ECHO', 'ECHONL', 'ICANON', 'ISIG', 'IEXTEN')).toBe(0);
      expect(raw.cflag & bits('CSIZE', 'PARENB')).toBe(c.CS8);
      // Raw output: the kernel passes \n through unchanged.
      writeSync(slave, 'raw\n');

      native.restoreTermios(slave, saved);
      expect(native.getTermios(slave)).toEqual(before);
      writeSync(slave, 'restored\n');
    } finally {
      native.close(slave);
    }
    expect(await out).toBe('cooked\r\nraw\nrestored\r\n');
  });

  it('makeRaw on a non-tty is ENOTTY and restoreTermios refuses anything but saved modes', () => {
    const [r, w] = native.pipe();
    const { master, slave } = native.openPty();
    try {
      expect(() => native.makeRaw(r)).toThrow(
        expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl', path: 'TCGETS' }),
      );
      expect(() => native.getTermios(w)).toThrow(expect.objectContaining({ code: 'ENOTTY' }));
      const saved = native.makeRaw(slave);
      expect(() => native.restoreTermios(slave, saved.subarray(1))).toThrow(TypeError);
      expect(() => native.restoreTermios(r, saved)).toThrow(
        expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl', path: 'TCSETS' }),
      );
      native.restoreTermios(slave, saved);
    } finally {
      for (const fd of [r, w, master, slave]) native.close(fd);
    }
  });

  it('getWinSize on a non-tty is ENOTTY naming the ioctl', () => {
    const [r, w] = native.pipe();
    try {
      expect(() => native.getWinSize(r)).toThrow(
        expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl', path: 'TIOCGWINSZ' }),
      );
    } finally {
      native.close(r);
      native.close(w);
    }
  });

  it('runs a container on the pty: /dev/console is the slave and the controlling tty', async () => {
    const { master, slave } = native.openPty();
    const out = readAll(master).finally(() => native.close(master));
    const session: Step = { op: 'session', ctty: true };
    const plan = standardPlan(
      rootfs().path,
      [
        'sh',
        '-c',
        'test -t 0 && echo tty; stat -L -c "%t:%T" /dev/console /proc/self/fd/0; cut -d" " -f7 /proc/self/stat',
      ],
      { consoleFd: slave, beforePivot: [{ op: 'console', target: '/dev/console' }], afterPivot: [session] },
    );
    plan.stdio = [slave, slave, slave];
    let s: ReturnType<typeof native.spawn>;
    try {
      s = native.spawn(plan);
    } finally {
      native.close(slave);
    }
    native.go(s.sync);
    expect(await native.awaitExec(s.sync)).toBeNull();
    expect(await native.waitExit(s.pidfd)).toEqual({ exitCode: 0, signal: null });
    native.close(s.pidfd);
    const lines = (await out).replace(/\r/g, '').trim().split('\n');
    expect(lines[0]).toBe('tty');
    expect(lines[1]).toMatch(/^88:\d+$/); // 136 = 0x88: a pts
    expect(lines[2]).toBe(lines[1]);
    expect(Number(lines[3])).not.toBe(0); // tty_nr: a controlling terminal is set
  });

  it('a console step without consoleFd is rejected before clone', () => {
    const plan = standardPlan(rootfs().path, ['true'], {
      beforePivot: [{ op: 'console', target: '/dev/console' }],
    });
    expect(() => native.spawn(plan)).toThrow(expect.objectContaining({ code: 'ERR_NSINIT_INVALID_PLAN' }));
  });
});
