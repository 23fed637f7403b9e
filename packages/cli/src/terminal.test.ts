// Raw mode bookkeeping with the recording fake: the saved modes go back exactly once, on restore()
// or at process exit, and nothing is touched when stdin is not a terminal.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createNativeFake } from '@nsinit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { enterTerminal } from './terminal.js';

const tty = (fd: number) => Object.assign(new PassThrough(), { isTTY: true, fd });
const out = () => Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 });

describe('enterTerminal', () => {
  const exitListeners = process.listeners('exit');
  afterEach(() => {
    expect(process.listeners('exit')).toEqual(exitListeners);
  });

  it('makes stdin raw and restores the saved modes once', () => {
    const native = createNativeFake();
    const before = native.getTermios(5);
    const session = enterTerminal(tty(5), out(), native);
    const raw = native.getTermios(5);
    expect(raw.lflag & native.constants.ICANON!).toBe(0);
    expect(raw.oflag & native.constants.OPOST!).toBe(0);
    expect(session.size()).toEqual({ cols: 100, rows: 30 });
    session.restore();
    session.restore();
    expect(native.getTermios(5)).toEqual(before);
    const saved = native.calls.find((c) => c.name === 'makeRaw');
    const restores = native.calls.filter((c) => c.name === 'restoreTermios');
    expect(restores).toHaveLength(1);
    expect(restores[0]!.args[0]).toBe(5);
    expect(saved?.args).toEqual([5]);
  });

  it('restores at process exit when nobody called restore()', () => {
    const native = createNativeFake();
    const before = native.getTermios(0);
    enterTerminal(tty(0), out(), native);
    expect(process.listeners('exit').length).toBe(exitListeners.length + 1);
    const hook = process.listeners('exit').at(-1)!;
    hook.call(process, 0);
    expect(native.getTermios(0)).toEqual(before);
  });

  it('leaves a terminal that went away alone', () => {
    const native = createNativeFake({
      fail: { restoreTermios: Object.assign(new Error('EIO'), { code: 'EIO' }) },
    });
    const session = enterTerminal(tty(0), out(), native);
    expect(() => session.restore()).not.toThrow();
  });

  it('does not touch a stdin that is not a terminal, and reports no size without one', () => {
    const native = createNativeFake();
    const session = enterTerminal(new PassThrough(), new PassThrough(), native);
    expect(session.size()).toBeUndefined();
    session.onResize(() => {});
    session.restore();
    expect(native.calls.map((c) => c.name)).toEqual([]);
  });

  it('forwards SIGWINCH resizes until restored', () => {
    const native = createNativeFake();
    const o = Object.assign(new EventEmitter(), out());
    const sizes: unknown[] = [];
    const session = enterTerminal(tty(0), o, native);
    session.onResize((s) => sizes.push(s));
    o.columns = 120;
    o.emit('resize');
    session.restore();
    o.emit('resize');
    expect(sizes).toEqual([{ cols: 120, rows: 30 }]);
  });
});
