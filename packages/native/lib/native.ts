// The typed NativeBindings over the raw addon: plans are encoded here, errors are built by the
// factories handed to the addon at load (so every throw is an NsinitError), exit signals become
// names, and failure records get their step kind back.
import { constants as osConstants } from 'node:os';
import type { DeviceFilterRule, IdMapRange, NativeBindings } from './bindings.js';
import { encodePlan, opName } from './encode-plan.js';
import { NsinitError, systemError } from './errors.js';
import { loadAddon, type RawAddon } from './load.js';
import type { ChildFailure, ExitStatus } from './plan.js';

const signalNames = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
);

function signalName(num: number): NodeJS.Signals {
  return signalNames.get(num) ?? (`SIG${num}` as NodeJS.Signals);
}

// BPF_DEVCG_ACC_* from <linux/bpf.h>.
const ACCESS_BITS: Record<string, number> = { m: 1, r: 2, w: 4 };
const MAX_DEVICE_RULES = 256; // NSINIT_DEV_RULES_MAX in src/nsinit.h

/** Validate the rules and pack them as the addon's [type, major, minor, access, allow] Int32Array. */
export function packDeviceRules(rules: readonly DeviceFilterRule[]): Int32Array {
  const bad = (i: number, what: string) =>
    new NsinitError(`cgroupDeviceFilter: rules[${i}]: ${what}`, { code: 'ERR_NSINIT_INVALID_ARG' });
  if (rules.length > MAX_DEVICE_RULES)
    throw new NsinitError(`cgroupDeviceFilter: at most ${MAX_DEVICE_RULES} rules, got ${rules.length}`, {
      code: 'ERR_NSINIT_INVALID_ARG',
    });
  const out = new Int32Array(rules.length * 5);
  rules.forEach((r, i) => {
    if (r.type !== 'a' && r.type !== 'b' && r.type !== 'c')
      throw bad(i, `type must be 'a', 'b' or 'c', got ${JSON.stringify(r.type)}`);
    for (const k of ['major', 'minor'] as const) {
      if (!Number.isInteger(r[k]) || r[k] < -1 || r[k] > 0xfffff)
        throw bad(i, `${k} must be -1 (any) or 0..1048575, got ${r[k]}`);
    }
    let access = 0;
    for (const ch of r.access || 'rwm') {
      const bit = ACCESS_BITS[ch];
      if (bit === undefined)
        throw bad(i, `access must be made of r, w and m, got ${JSON.stringify(r.access)}`);
      access |= bit;
    }
    out.set([r.type.charCodeAt(0), r.major, r.minor, access, r.allow ? 1 : 0], i * 5);
  });
  return out;
}

/** The kernel reads at most 340 lines of a uid_map/gid_map, in one write of less than a page. */
const MAX_ID_RANGES = 340;

/** Format id ranges as the lines of a uid_map/gid_map ("containerID hostID size\n" each). */
export function formatIdMap(ranges: readonly IdMapRange[], name: string): string {
  const bad = (what: string) =>
    new NsinitError(`openIdmappedTree: ${name}: ${what}`, { code: 'ERR_NSINIT_INVALID_ARG' });
  if (!Array.isArray(ranges) || ranges.length === 0 || ranges.length > MAX_ID_RANGES)
    throw bad(`expected 1 to ${MAX_ID_RANGES} ranges`);
  const lines = ranges.map((r, i) => {
    for (const k of ['containerID', 'hostID', 'size'] as const) {
      const v = r?.[k];
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad(`[${i}].${k} is not a 32-bit id`);
    }
    if (r.size === 0 || r.containerID + r.size > 2 ** 32 || r.hostID + r.size > 2 ** 32)
      throw bad(`[${i}] is empty or runs past 4294967295`);
    return `${r.containerID} ${r.hostID} ${r.size}\n`;
  });
  const text = lines.join('');
  if (text.length >= 4096) throw bad('the map is longer than the 4095 bytes the kernel reads');
  return text;
}

function wrap(raw: RawAddon): NativeBindings {
  raw.init(
    (errno, syscall, path, dest) => systemError(errno, syscall, path, dest === undefined ? {} : { dest }),
    (message) => new NsinitError(`invalid plan: ${message}`, { code: 'ERR_NSINIT_INVALID_PLAN' }),
  );
  return {
    spawn: (plan) => raw.spawn(encodePlan(plan)),
    spawnAsync: async (plan) => raw.spawnAsync(encodePlan(plan)),
    join: async (targetPidfd, nsFlags, plan) => raw.join(targetPidfd, nsFlags, encodePlan(plan)),
    go: (sync) => raw.go(sync),
    awaitExec: async (sync, serve): Promise<ChildFailure | null> => {
      let fd = sync;
      for (;;) {
        const r = await raw.awaitExec(fd);
        if (r === null) return null;
        if (!('listenerFd' in r))
          return { step: r.step, op: opName(r.op), syscall: r.syscall, errno: r.errno, path: r.path };
        // A seccomp listener: handed on before the child goes further (its next notified syscall
        // waits for the agent), then the same sync socket is watched again.
        try {
          if (!serve?.onListener)
            throw new NsinitError('the container sent a seccomp listener, but nothing receives it', {
              code: 'ERR_NSINIT_START_FAILED',
            });
          await serve.onListener(r.listenerFd);
        } catch (err) {
          raw.close(r.sync);
          throw err;
        } finally {
          raw.close(r.listenerFd);
        }
        fd = r.sync;
      }
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
    isMainThread: () => raw.isMainThread(),
    openPty: (inside) => (inside ? raw.openPty(inside.pidfd, inside.pid) : raw.openPty()),
    getWinSize: (fd) => raw.getWinSize(fd),
    setWinSize: (fd, size) => raw.setWinSize(fd, size.cols, size.rows),
    makeRaw: (fd) => raw.makeRaw(fd),
    restoreTermios: (fd, saved) => raw.restoreTermios(fd, saved),
    getTermios: (fd) => raw.getTermios(fd),
    pipe: () => raw.pipe(),
    close: (fd) => raw.close(fd),
    nsOpen: (path) => raw.nsOpen(path),
    tryLock: (fd) => raw.tryLock(fd),
    compileSeccomp: (defaultAction, arches, names, actions, args) =>
      raw.compileSeccomp(defaultAction, arches, names, actions, args),
    gateListen: (path) => raw.gateListen(path),
    gateConnect: (path) => raw.gateConnect(path),
    sendFd: (socketPath, fd, name) => raw.sendFd(socketPath, fd, name),
    netlinkOpen: (nsFd) => raw.netlinkOpen(nsFd),
    netlinkSend: (fd, message) => raw.netlinkSend(fd, message),
    netlinkRecv: (fd) => raw.netlinkRecv(fd),
    mount: (source, target, fstype, flags, data) => raw.mount(source, target, fstype, flags, data),
    umount: (target, flags) => raw.umount(target, flags),
    cgroupDeviceFilter: (cgroupDir, rules) => raw.cgroupDeviceFilter(cgroupDir, packDeviceRules(rules)),
    openIdmappedTree: (source, o) =>
      raw.openIdmappedTree(
        source,
        o.recursive,
        o.flags,
        o.idmapRecursive,
        formatIdMap(o.uidMappings, 'uidMappings'),
        formatIdMap(o.gidMappings, 'gidMappings'),
      ),
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
