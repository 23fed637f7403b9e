// The typed NativeBindings over the raw addon: plans are encoded here, errors are built by the
// factories handed to the addon at load (so every throw is an NsinitError), exit signals become
// names, and failure records get their step kind back.
import { constants as osConstants } from 'node:os';
import type { NativeBindings } from './bindings.js';
import { opName } from './encode-plan.js';
import { encodePlan } from './encode-plan.js';
import { NsinitError, systemError } from './errors.js';
import { loadAddon, type RawAddon } from './load.js';
import type { ChildFailure, ExitStatus } from './plan.js';

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
);

function signalName(num: number): NodeJS.Signals {
  return signalNames.get(num) ?? (`SIG${num}` as NodeJS.Signals);
}

function wrap(raw: RawAddon): NativeBindings {
  raw.init(
    (errno, syscall, path, dest) => systemError(errno, syscall, path, dest === undefined ? {} : { dest }),
    (message) => new NsinitError(`invalid plan: ${message}`, { code: 'ERR_NSINIT_INVALID_PLAN' }),
  );
  return {
    spawn: (plan) => raw.spawn(encodePlan(plan)),
    join: (targetPidfd, nsFlags, plan) => raw.join(targetPidfd, nsFlags, encodePlan(plan)),
    go: (sync) => raw.go(sync),
    awaitExec: async (sync): Promise<ChildFailure | null> => {
      const r = await raw.awaitExec(sync);
      if (r === null) return null;
      return { step: r.step, op: opName(r.op), syscall: r.syscall, errno: r.errno, path: r.path };
    },
    waitExit: async (pidfd): Promise<ExitStatus> => {
      const r = await raw.waitExit(pidfd);
      return r.signal === null
        ? { exitCode: r.exitCode, signal: null }
        : { exitCode: null, signal: signalName(r.signal) };
    },
    pidfdOpen: (pid) => raw.pidfdOpen(pid),
    pidfdSignal: (pidfd, signal) => raw.pidfdSignal(pidfd, signal),
    startTime: (pid) => raw.startTime(pid),
    openPty: () => raw.openPty(),
    getWinSize: (fd) => raw.getWinSize(fd),
    setWinSize: (fd, size) => raw.setWinSize(fd, size.cols, size.rows),
    makeRaw: (fd) => raw.makeRaw(fd),
    restoreTermios: (fd, saved) => raw.restoreTermios(fd, saved),
    getTermios: (fd) => raw.getTermios(fd),
    pipe: () => raw.pipe(),
    close: (fd) => raw.close(fd),
    tryLock: (fd) => raw.tryLock(fd),
    netlinkOpen: (nsFd) => raw.netlinkOpen(nsFd),
    netlinkSend: (fd, message) => raw.netlinkSend(fd, message),
    netlinkRecv: (fd) => raw.netlinkRecv(fd),
    mount: (source, target, fstype, flags, data) => raw.mount(source, target, fstype, flags, data),
    umount: (target, flags) => raw.umount(target, flags),
    capabilities: Object.freeze({ ...raw.capabilities }),
    rlimits: Object.freeze({ ...raw.rlimits }),
    constants: Object.freeze({ ...raw.constants }),
  };
}

let loaded: NativeBindings | undefined;
let rawLoaded: RawAddon | undefined;

/** The raw addon (loaded once); tests use it for the test-only `decodePlan`. */
export function loadRaw(): RawAddon {
  rawLoaded ??= loadAddon();
  return rawLoaded;
}

/** Load the addon (once) and return the typed bindings. Throws ERR_NSINIT_NATIVE_LOAD listing
 *  every path tried when it is not built. */
export function loadNative(): NativeBindings {
  loaded ??= wrap(loadRaw());
  return loaded;
}

/** The bindings, loaded on first use (importing this module never touches the addon). */
export const native: NativeBindings = new Proxy({} as NativeBindings, {
  get: (_target, key) => Reflect.get(loadNative(), key),
  has: (_target, key) => Reflect.has(loadNative(), key),
  ownKeys: () => Reflect.ownKeys(loadNative()),
  getOwnPropertyDescriptor: (_target, key) => {
    const d = Reflect.getOwnPropertyDescriptor(loadNative(), key);
    return d ? { ...d, configurable: true } : undefined;
  },
});
