// `nsinit-oci update`'s input as the resources model: runc's flags (--memory 512m, --cpu-quota,
// --pids-limit, ...) or a LinuxResources JSON document (`-r FILE`, which containerd's shim sends on
// stdin). Device rules are never updated, as in runc. See runc's runc-update(8) man page.
import { NsinitError } from '@nsinit/native';
import { checkResources, type FieldNamer, type Resources } from './resources.js';
import { resourcesFromOci } from './resources-oci.js';

/** runc update's value flags, without the leading dashes. */
export const UPDATE_FLAGS = [
  'blkio-weight',
  'cpu-period',
  'cpu-quota',
  'cpu-rt-period',
  'cpu-rt-runtime',
  'cpu-share',
  'cpu-idle',
  'cpuset-cpus',
  'cpuset-mems',
  'kernel-memory',
  'kernel-memory-tcp',
  'memory',
  'memory-reservation',
  'memory-swap',
  'pids-limit',
] as const;

export type UpdateFlag = (typeof UPDATE_FLAGS)[number];

/** Where each flag lands in the LinuxResources document, and whether it takes a size ("512m"). */
const TARGET: Record<UpdateFlag, [section: string, key: string, kind: 'size' | 'int' | 'str']> = {
  'blkio-weight': ['blockIO', 'weight', 'int'],
  'cpu-period': ['cpu', 'period', 'int'],
  'cpu-quota': ['cpu', 'quota', 'int'],
  'cpu-rt-period': ['cpu', 'realtimePeriod', 'int'],
  'cpu-rt-runtime': ['cpu', 'realtimeRuntime', 'int'],
  'cpu-share': ['cpu', 'shares', 'int'],
  'cpu-idle': ['cpu', 'idle', 'int'],
  'cpuset-cpus': ['cpu', 'cpus', 'str'],
  'cpuset-mems': ['cpu', 'mems', 'str'],
  'kernel-memory': ['memory', 'kernel', 'size'],
  'kernel-memory-tcp': ['memory', 'kernelTCP', 'size'],
  memory: ['memory', 'limit', 'size'],
  'memory-reservation': ['memory', 'reservation', 'size'],
  'memory-swap': ['memory', 'swap', 'size'],
  'pids-limit': ['pids', 'limit', 'int'],
};

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** A byte count as runc reads it (docker's RAMInBytes): "-1", "1048576", "512m", "1.5g", "2GiB";
 *  the units are binary. */
export function parseSize(text: string): number | null {
  if (text.trim() === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  return Number.isSafeInteger(n) ? n : null;
}

const flagName: FieldNamer = (path) => {
  const flag = UPDATE_FLAGS.find((f) => `${TARGET[f][0]}.${TARGET[f][1]}` === path);
  return flag ? `--${flag}` : path;
};

/** runc update's flags (name → value as given) as resources; an unknown flag or a bad value is
 *  an ERR_NSINIT_INVALID_ARG naming the flag. */
export function resourcesFromUpdateFlags(flags: Partial<Record<string, string>>): Resources {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    const target = TARGET[flag as UpdateFlag];
    if (!target) {
      throw new NsinitError(`--${flag}: not an update flag`, { code: 'ERR_NSINIT_INVALID_ARG' });
    }
    const [section, key, kind] = target;
    let v: unknown = value;
    if (kind === 'size') {
      v = parseSize(value);
      if (v === null) {
        throw new NsinitError(`--${flag}: '${value}' is not a size (bytes, or with k, m, g: 512m)`, {
          code: 'ERR_NSINIT_INVALID_ARG',
        });
      }
    } else if (kind === 'int') {
      if (!/^-?\d+$/.test(value.trim())) {
        throw new NsinitError(`--${flag}: '${value}' is not an integer`, { code: 'ERR_NSINIT_INVALID_ARG' });
      }
      v = Number(value.trim());
    }
    doc[section] ??= {};
    doc[section]![key] = v;
  }
  return rethrow(
    () => checked(resourcesFromOci(doc, { name: flagName, withDevices: false }), flagName),
    'ERR_NSINIT_INVALID_ARG',
  );
}

/** Range checks up front, so an error names the flag or the document's field. */
function checked(r: Resources, name: FieldNamer): Resources {
  const problems = checkResources(r, name);
  if (problems.length > 0) {
    throw new NsinitError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
      code: 'ERR_NSINIT_INVALID_CONFIG',
      errors: problems,
    });
  }
  return r;
}

/** A LinuxResources document (`update -r FILE`); `devices` in it are ignored, as runc does. */
export function resourcesFromUpdateJson(doc: unknown, file = 'resources'): Resources {
  const name: FieldNamer = (p) => `${file}: ${p}`;
  return checked(resourcesFromOci(doc, { name, withDevices: false }), name);
}

function rethrow<T>(fn: () => T, code: string): T {
  try {
    return fn();
  } catch (err) {
    const e = err as NsinitError & { errors?: unknown };
    throw new NsinitError(e.message, { code, errors: e.errors as never, cause: err });
  }
}
