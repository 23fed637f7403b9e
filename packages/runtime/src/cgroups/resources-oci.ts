// OCI config.json `linux.resources` (and the cgroup rules `linux.devices` implies) onto the
// resources model, with runc's conventions: 0 and "" are unset, -1 is unlimited, a device rule's
// omitted type/major/minor is "all", and the default devices runc allows follow the config's rules.
// See the runtime-spec config-linux document ("Control groups", "Allowed Device Cgroup Rules").
import { NsinitError } from '@nsinit/native';
import type { ConfigProblem } from './limits.js';
import {
  type DeviceRule,
  type FieldNamer,
  ociField,
  type Resources,
  THROTTLES,
  type ThrottleDevice,
  type WeightDevice,
} from './resources.js';

/** The devices every container may use whatever the config says (runc's specconv.AllowedDevices):
 *  mknod of any node, the null/zero/full/random/urandom/tty/ptmx/pts set, and /dev/net/tun. */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

type Json = Record<string, unknown>;

/** Go's int64 max as JSON.parse reads it (2^63): "no limit" in configs written by Go tools. */
const INT64_MAX = 2 ** 63;

class Reader {
  problems: ConfigProblem[] = [];
  constructor(private readonly name: FieldNamer) {}

  bad(path: string, message: string): undefined {
    this.problems.push({ path: this.name(path), message });
    return undefined;
  }

  obj(v: unknown, path: string): Json | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) return this.bad(path, 'must be an object');
    return v as Json;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return this.bad(path, 'must be an array') ?? [];
    return v;
  }

  /** An integer; `unlimited` fields read Go's int64 max as -1. Below `min` is refused. */
  int(v: unknown, path: string, min: number, unlimited = false): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n))
      return this.bad(path, `${String(v)} is not an integer`);
    if (unlimited && n >= INT64_MAX - 2 ** 12) return -1;
    if (!Number.isSafeInteger(n)) return this.bad(path, `${String(v)} is too large to be exact`);
    if (n < min) return this.bad(path, `${n} is below ${min}`);
    return n;
  }

  str(v: unknown, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return this.bad(path, 'must be a string');
    return v;
  }

  bool(v: unknown, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return this.bad(path, 'must be true or false');
    return v;
  }
}

/** Set `key` only when `v` is set (0 and "" count as unset, as runc reads them). */
function put<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined, zeroIsUnset = true) {
  if (v === undefined) return;
  if (zeroIsUnset && (v === 0 || v === '')) return;
  o[key] = v;
}

const nonEmpty = <T extends object>(o: T): T | undefined => (Object.keys(o).length > 0 ? o : undefined);

function memory(rd: Reader, m: Json | undefined): Resources['memory'] {
  if (!m) return undefined;
  const out: NonNullable<Resources['memory']> = {};
  put(out, 'limit', rd.int(m.limit, 'memory.limit', -1, true));
  put(out, 'reservation', rd.int(m.reservation, 'memory.reservation', -1, true));
  put(out, 'swap', rd.int(m.swap, 'memory.swap', -1, true));
  put(out, 'kernel', rd.int(m.kernel, 'memory.kernel', -1, true));
  put(out, 'kernelTCP', rd.int(m.kernelTCP, 'memory.kernelTCP', -1, true));
  // 0 is a real swappiness; a present value is written.
  put(out, 'swappiness', rd.int(m.swappiness, 'memory.swappiness', 0), false);
  if (rd.bool(m.disableOOMKiller, 'memory.disableOOMKiller') === true) out.disableOOMKiller = true;
  if (m.checkBeforeUpdate !== undefined) rd.bool(m.checkBeforeUpdate, 'memory.checkBeforeUpdate');
  if (m.useHierarchy !== undefined) {
    rd.bad('memory.useHierarchy', 'is not supported (memory.use_hierarchy is always on in current kernels)');
  }
  return nonEmpty(out);
}

function cpu(rd: Reader, c: Json | undefined): Resources['cpu'] {
  if (!c) return undefined;
  const out: NonNullable<Resources['cpu']> = {};
  put(out, 'shares', rd.int(c.shares, 'cpu.shares', 0));
  put(out, 'quota', rd.int(c.quota, 'cpu.quota', -1));
  put(out, 'period', rd.int(c.period, 'cpu.period', 0));
  put(out, 'burst', rd.int(c.burst, 'cpu.burst', 0), false);
  put(out, 'realtimeRuntime', rd.int(c.realtimeRuntime, 'cpu.realtimeRuntime', -1));
  put(out, 'realtimePeriod', rd.int(c.realtimePeriod, 'cpu.realtimePeriod', 0));
  put(out, 'cpus', rd.str(c.cpus, 'cpu.cpus'));
  put(out, 'mems', rd.str(c.mems, 'cpu.mems'));
  put(out, 'idle', rd.int(c.idle, 'cpu.idle', 0), false);
  return nonEmpty(out);
}

function blockIO(rd: Reader, b: Json | undefined): Resources['blockIO'] {
  if (!b) return undefined;
  const out: NonNullable<Resources['blockIO']> = {};
  put(out, 'weight', rd.int(b.weight, 'blockIO.weight', 0));
  put(out, 'leafWeight', rd.int(b.leafWeight, 'blockIO.leafWeight', 0));
  const devs = rd.list(b.weightDevice, 'blockIO.weightDevice').map((d, i) => {
    const p = `blockIO.weightDevice[${i}]`;
    const o = rd.obj(d, p) ?? {};
    const w: WeightDevice = {
      major: rd.int(o.major, `${p}.major`, 0) ?? 0,
      minor: rd.int(o.minor, `${p}.minor`, 0) ?? 0,
    };
    put(w, 'weight', rd.int(o.weight, `${p}.weight`, 0));
    put(w, 'leafWeight', rd.int(o.leafWeight, `${p}.leafWeight`, 0));
    return w;
  });
  if (devs.length > 0) out.weightDevice = devs;
  for (const [key] of THROTTLES) {
    const list: ThrottleDevice[] = rd.list(b[key], `blockIO.${key}`).map((d, i) => {
      const p = `blockIO.${key}[${i}]`;
      const o = rd.obj(d, p) ?? {};
      return {
        major: rd.int(o.major, `${p}.major`, 0) ?? 0,
        minor: rd.int(o.minor, `${p}.minor`, 0) ?? 0,
        rate: rd.int(o.rate, `${p}.rate`, 0) ?? 0,
      };
    });
    if (list.length > 0) out[key] = list;
  }
  return nonEmpty(out);
}

function deviceRules(rd: Reader, list: unknown[]): DeviceRule[] {
  return list.map((d, i) => {
    const p = `devices[${i}]`;
    const o = rd.obj(d, p) ?? {};
    const allow = rd.bool(o.allow, `${p}.allow`);
    if (allow === undefined) rd.bad(`${p}.allow`, 'is required');
    const type = rd.str(o.type, `${p}.type`) ?? 'a';
    if (!['a', 'b', 'c'].includes(type)) rd.bad(`${p}.type`, `'${type}' is not "a", "b" or "c"`);
    const access = rd.str(o.access, `${p}.access`) ?? 'rwm';
    if (!/^[rwm]*$/.test(access) || new Set(access).size !== access.length) {
      rd.bad(`${p}.access`, `'${access}' is not a combination of r, w and m`);
    }
    // An omitted major or minor matches every number.
    return {
      allow: allow === true,
      type: type as DeviceRule['type'],
      major: rd.int(o.major, `${p}.major`, -1) ?? -1,
      minor: rd.int(o.minor, `${p}.minor`, -1) ?? -1,
      access: access || 'rwm',
    };
  });
}

/** Allow rules for the device nodes `linux.devices` creates (a "u" node is a character device;
 *  a FIFO needs no rule). */
function nodeRules(rd: Reader, list: unknown[]): DeviceRule[] {
  const out: DeviceRule[] = [];
  list.forEach((d, i) => {
    const o = rd.obj(d, `linux.devices[${i}]`) ?? {};
    const t = o.type === 'u' ? 'c' : o.type;
    if (t !== 'c' && t !== 'b') return;
    const major = typeof o.major === 'number' ? o.major : 0;
    const minor = typeof o.minor === 'number' ? o.minor : 0;
    out.push({ allow: true, type: t, major, minor, access: 'rwm' });
  });
  return out;
}

/**
 * `linux.resources` (and `linux.devices`) as the model. Throws ERR_NSINIT_INVALID_CONFIG naming
 * every malformed field. The device rules always start from deny-all and end with runc's default
 * devices and the configured nodes, so a config without rules gets runc's device policy.
 */
export function resourcesFromOci(
  resources: unknown,
  opts: { devices?: unknown; name?: FieldNamer; withDevices?: boolean } = {},
): Resources {
  const name = opts.name ?? ociField;
  const rd = new Reader(name);
  const res = rd.obj(resources, '') ?? {};
  const r: Resources = {};
  const m = memory(rd, rd.obj(res.memory, 'memory'));
  if (m) r.memory = m;
  const c = cpu(rd, rd.obj(res.cpu, 'cpu'));
  if (c) r.cpu = c;
  const pids = rd.obj(res.pids, 'pids');
  if (pids) {
    const limit = rd.int(pids.limit, 'pids.limit', -Infinity);
    if (limit !== undefined && limit !== 0) r.pids = { limit: limit < 0 ? -1 : limit };
  }
  const b = blockIO(rd, rd.obj(res.blockIO, 'blockIO'));
  if (b) r.blockIO = b;
  const huge = rd.list(res.hugepageLimits, 'hugepageLimits').map((h, i) => {
    const o = rd.obj(h, `hugepageLimits[${i}]`) ?? {};
    return {
      pageSize: rd.str(o.pageSize, `hugepageLimits[${i}].pageSize`) ?? '',
      limit: rd.int(o.limit, `hugepageLimits[${i}].limit`, -1, true) ?? 0,
    };
  });
  if (huge.length > 0) r.hugepageLimits = huge;
  const net = rd.obj(res.network, 'network');
  if (net) {
    const n: NonNullable<Resources['network']> = {};
    put(n, 'classID', rd.int(net.classID, 'network.classID', 0));
    const prios = rd.list(net.priorities, 'network.priorities').map((p, i) => {
      const o = rd.obj(p, `network.priorities[${i}]`) ?? {};
      return {
        name: rd.str(o.name, `network.priorities[${i}].name`) ?? '',
        priority: rd.int(o.priority, `network.priorities[${i}].priority`, 0) ?? 0,
      };
    });
    if (prios.length > 0) n.priorities = prios;
    if (nonEmpty(n)) r.network = n;
  }
  const unified = rd.obj(res.unified, 'unified');
  if (unified) {
    const u: Record<string, string> = {};
    for (const [k, v] of Object.entries(unified)) {
      const s = rd.str(v, `unified["${k}"]`);
      if (s !== undefined) u[k] = s;
    }
    if (Object.keys(u).length > 0) r.unified = u;
  }
  for (const key of ['rdma', 'intelRdt']) {
    if (res[key] !== undefined) rd.bad(key, 'is not supported by nsinit-oci');
  }
  if (opts.withDevices !== false) {
    r.devices = [
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
      ...deviceRules(rd, rd.list(res.devices, 'devices')),
      ...DEFAULT_DEVICE_RULES,
      ...nodeRules(rd, Array.isArray(opts.devices) ? opts.devices : []),
    ];
  }
  if (rd.problems.length > 0) {
    throw new NsinitError(rd.problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
      code: 'ERR_NSINIT_INVALID_CONFIG',
      errors: rd.problems,
    });
  }
  return r;
}
