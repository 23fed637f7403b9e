// A recording stand-in for the addon (the NativeBindings contract): every call is recorded with
// its arguments so runtime unit tests can check syscall order without root, and any binding can
// be made to fail. Fds are small fake numbers tracked as open until close(), so tests can also
// assert that the runtime closes what it opened.
import type {
  ChildFailure,
  DeviceFilterRule,
  ExitStatus,
  IdmappedTreeOptions,
  NativeBindings,
  Plan,
  Spawned,
  TermiosFlags,
  WinSize,
} from '@nsinit/native';
import { CAPABILITIES, CONSTANTS, RLIMITS } from './kernel-tables.js';

export interface RecordedCall {
  name: string;
  args: unknown[];
}

export interface NativeFakeOptions {
  fail?: Partial<Record<keyof NativeBindings, Error>>;
}

export type NativeFake = NativeBindings & {
  calls: RecordedCall[];
  /** Fake fds handed out and not closed yet (an extra beyond NativeBindings, for fd-leak checks). */
  openFds(): number[];
};

const FIRST_FD = 1000;
const FIRST_PID = 40000;
const NLMSG_ERROR = 2;

/** An NLMSG_ERROR with error 0 (an ACK) echoing the request's header, as the kernel answers. */
function netlinkAck(request: Uint8Array | undefined): Buffer {
  const req = Buffer.from(request ?? new Uint8Array(16));
  const out = Buffer.alloc(16 + 4 + 16);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(NLMSG_ERROR, 4);
  out.writeUInt16LE(0, 6);
  out.writeUInt32LE(req.length >= 12 ? req.readUInt32LE(8) : 0, 8); // sequence number
  out.writeUInt32LE(0, 12);
  out.writeInt32LE(0, 16);
  req.copy(out, 20, 0, Math.min(16, req.length));
  return out;
}

export function createNativeFake(opts: NativeFakeOptions = {}): NativeFake {
  const calls: RecordedCall[] = [];
  const open = new Set<number>();
  let nextFd = FIRST_FD;
  let nextPid = FIRST_PID;
  let lastNetlinkRequest: Uint8Array | undefined;
  const winSizes = new Map<number, WinSize>();
  // A cooked terminal's usual modes (what `stty sane` sets); makeRaw clears what cfmakeraw(3) does.
  const cooked: TermiosFlags = { iflag: 0o2400, oflag: 0o5, cflag: 0o277, lflag: 0o105073 };
  const termios = new Map<number, TermiosFlags>();
  const C = CONSTANTS;
  const encode = (t: TermiosFlags) =>
    new Uint8Array(new Uint32Array([t.iflag, t.oflag, t.cflag, t.lflag]).buffer);

  const fd = (): number => {
    const n = nextFd++;
    open.add(n);
    return n;
  };
  /** Records the call, then throws the configured failure if any. */
  const enter = (name: keyof NativeBindings, args: unknown[]): void => {
    calls.push({ name, args });
    const failure = opts.fail?.[name];
    if (failure) throw failure;
  };
  /** Same for async bindings: the failure becomes a rejection. */
  const enterAsync = <T>(name: keyof NativeBindings, args: unknown[], value: () => T): Promise<T> => {
    try {
      enter(name, args);
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve(value());
  };
  const spawned = (): Spawned => ({ pid: nextPid++, pidfd: fd(), sync: fd() });

  const fake: NativeFake = {
    calls,
    openFds: () => [...open].sort((a, b) => a - b),
    spawn(plan: Plan) {
      enter('spawn', [plan]);
      return spawned();
    },
    spawnAsync(plan: Plan) {
      return enterAsync('spawnAsync', [plan], spawned);
    },
    join(targetPidfd: number, nsFlags: number, plan: Plan) {
      return enterAsync('join', [targetPidfd, nsFlags, plan], spawned);
    },
    go(sync: number) {
      enter('go', [sync]);
    },
    awaitExec(sync: number) {
      open.delete(sync); // the real binding takes the sync socket on every path
      return enterAsync('awaitExec', [sync], (): ChildFailure | null => null);
    },
    waitExit(pidfd: number) {
      return enterAsync('waitExit', [pidfd], (): ExitStatus => ({ exitCode: 0, signal: null }));
    },
    pidfdOpen(pid: number) {
      enter('pidfdOpen', [pid]);
      return fd();
    },
    pidfdSignal(pidfd: number, signal: number) {
      enter('pidfdSignal', [pidfd, signal]);
      return true;
    },
    isMainThread() {
      enter('isMainThread', []);
      return true;
    },
    startTime(pid: number) {
      enter('startTime', [pid]);
      return String(1000 + pid);
    },
    openPty() {
      enter('openPty', []);
      return { master: fd(), slave: fd() };
    },
    getWinSize(f: number) {
      enter('getWinSize', [f]);
      return winSizes.get(f) ?? { cols: 80, rows: 24 };
    },
    setWinSize(f: number, size: WinSize) {
      enter('setWinSize', [f, size]);
      winSizes.set(f, { ...size });
    },
    makeRaw(f: number) {
      enter('makeRaw', [f]);
      const t = termios.get(f) ?? cooked;
      const iOff = C.IGNBRK! | C.BRKINT! | C.PARMRK! | C.ISTRIP! | C.INLCR! | C.IGNCR! | C.ICRNL! | C.IXON!;
      const lOff = C.ECHO! | C.ECHONL! | C.ICANON! | C.ISIG! | C.IEXTEN!;
      termios.set(f, {
        iflag: t.iflag & ~iOff,
        oflag: t.oflag & ~C.OPOST!,
        cflag: (t.cflag & ~(C.CSIZE! | C.PARENB!)) | C.CS8!,
        lflag: t.lflag & ~lOff,
      });
      return encode(t);
    },
    restoreTermios(f: number, saved: Uint8Array) {
      enter('restoreTermios', [f, saved]);
      const [iflag = 0, oflag = 0, cflag = 0, lflag = 0] = new Uint32Array(saved.slice().buffer);
      termios.set(f, { iflag, oflag, cflag, lflag });
    },
    getTermios(f: number) {
      enter('getTermios', [f]);
      return { ...(termios.get(f) ?? cooked) };
    },
    pipe() {
      enter('pipe', []);
      return [fd(), fd()];
    },
    close(f: number) {
      enter('close', [f]);
      open.delete(f);
    },
    nsOpen(path: string) {
      enter('nsOpen', [path]);
      return { fd: fd(), nstype: 0 };
    },
    tryLock(f: number) {
      enter('tryLock', [f]);
      return true;
    },
    compileSeccomp(
      defaultAction: number,
      arches: string[],
      names: string[],
      actions: number[],
      args: (readonly [number, number, bigint, bigint])[][],
    ) {
      enter('compileSeccomp', [defaultAction, arches, names, actions, args]);
      // One "return ALLOW" instruction (BPF_RET|BPF_K, k = SECCOMP_RET_ALLOW).
      return Uint8Array.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]);
    },
    gateListen(path: string) {
      enter('gateListen', [path]);
      return fd();
    },
    gateConnect(path: string) {
      enter('gateConnect', [path]);
      return fd();
    },
    sendFd(socketPath: string, f: number, name: string) {
      enter('sendFd', [socketPath, f, name]);
    },
    netlinkOpen(nsFd: number) {
      enter('netlinkOpen', [nsFd]);
      return fd();
    },
    netlinkSend(f: number, message: Uint8Array) {
      enter('netlinkSend', [f, message]);
      lastNetlinkRequest = message;
    },
    netlinkRecv(f: number) {
      enter('netlinkRecv', [f]);
      return netlinkAck(lastNetlinkRequest);
    },
    mount(source: string, target: string, fstype: string | null, flags: number, data: string | null) {
      enter('mount', [source, target, fstype, flags, data]);
    },
    umount(target: string, flags: number) {
      enter('umount', [target, flags]);
    },
    cgroupDeviceFilter(cgroupDir: string, rules: readonly DeviceFilterRule[]) {
      enter('cgroupDeviceFilter', [cgroupDir, rules]);
    },
    openIdmappedTree(source: string, options: IdmappedTreeOptions) {
      enter('openIdmappedTree', [source, options]);
      return fd();
    },
    capabilities: CAPABILITIES,
    rlimits: RLIMITS,
    constants: CONSTANTS,
  };
  return fake;
}
