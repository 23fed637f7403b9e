// Size checks across the lists of config.json, the same budgets container.json is held to (see
// ../limits.ts): execve(2)'s argument space for args and env together (fs/exec.c
// bprm_stack_limits), the directories device nodes need, and the plan's step count and bytes.
import { issue } from '../issues.js';
import {
  CONFIG_PLAN_BYTES,
  deviceDirectories,
  execBudget,
  execCost,
  MAX_DEVICE_DIRS,
  PLAN_MAX_STEPS,
  utf8Length,
} from '../limits.js';
import { type Findings, isPlainObject } from '../normalise.js';

type Obj = Record<string, unknown>;

/** Steps every plan has besides the lists counted here (namespaces, rootfs, /proc, /dev, ...). */
const FIXED_STEPS = 64;

const strings = (list: unknown): string[] =>
  Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];
const bytes = (list: readonly string[]) => list.reduce((n, s) => n + utf8Length(s) + 5, 0);
const objects = (list: unknown): Obj[] => (Array.isArray(list) ? list.filter(isPlainObject) : []);

/** The soft RLIMIT_STACK in force when execve runs, if the config sets one. */
function stackLimit(p: Obj): number | undefined {
  for (const r of objects(p.rlimits)) {
    if (r.type === 'RLIMIT_STACK' && typeof r.soft === 'number') return r.soft;
  }
  return undefined;
}

function checkExecSpace(p: Obj, found: Findings): number {
  let args = 0;
  for (const a of strings(p.args)) args += execCost(a);
  let env = 0;
  for (const e of strings(p.env)) env += execCost(e);
  const budget = execBudget(stackLimit(p));
  if (args + env > budget) {
    found.errors.push(
      issue(
        env >= args ? '/process/env' : '/process/args',
        `args and env take ${args + env} bytes of execve's argument space (with their NULs and ` +
          `pointers); at most ${budget} fit with this RLIMIT_STACK`,
      ),
    );
  }
  return args + env;
}

/** The largest of some named counts, for pointing an error at the list that matters most. */
function largest(counts: Record<string, number>): string {
  return Object.entries(counts).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}

export function checkOciLimits(c: Obj, found: Findings): void {
  const p = isPlainObject(c.process) ? c.process : {};
  const linux = isPlainObject(c.linux) ? c.linux : {};
  const execBytes = checkExecSpace(p, found);
  const devicePaths = objects(linux.devices)
    .map((d) => d.path)
    .filter((v): v is string => typeof v === 'string' && v.startsWith('/'));
  const dirs = deviceDirectories(devicePaths);
  if (dirs.length > MAX_DEVICE_DIRS) {
    found.errors.push(
      issue(
        '/linux/devices',
        `the device paths need ${dirs.length} directories; at most ${MAX_DEVICE_DIRS} are made ` +
          '(one step of the plan each)',
      ),
    );
  }
  const sysctl = isPlainObject(linux.sysctl) ? linux.sysctl : {};
  const steps: Record<string, number> = {
    '/mounts': objects(c.mounts).length,
    '/linux/devices': devicePaths.length + dirs.length,
    '/linux/maskedPaths': strings(linux.maskedPaths).length,
    '/linux/readonlyPaths': strings(linux.readonlyPaths).length,
    '/linux/sysctl': Object.keys(sysctl).length,
    '/process/rlimits': objects(p.rlimits).length,
  };
  const total = Object.values(steps).reduce((a, b) => a + b, FIXED_STEPS);
  if (total > PLAN_MAX_STEPS) {
    found.errors.push(
      issue(
        largest(steps),
        `mounts, devices, masked and read-only paths, sysctls and rlimits need ${total} steps of ` +
          `the container's plan; at most ${PLAN_MAX_STEPS} fit`,
      ),
    );
  }
  const mountBytes = objects(c.mounts).reduce(
    (n, m) => n + 24 + bytes(strings([m.source, m.destination, m.type])) + bytes(strings(m.options)),
    0,
  );
  const sizes: Record<string, number> = {
    '/mounts': mountBytes,
    '/linux/devices': bytes(devicePaths) + devicePaths.length * 20 + bytes(dirs) + dirs.length * 12,
    '/linux/maskedPaths': bytes(strings(linux.maskedPaths)),
    '/linux/readonlyPaths': bytes(strings(linux.readonlyPaths)),
    '/linux/sysctl': Object.entries(sysctl).reduce((n, [k, v]) => n + bytes([k, String(v)]), 0),
    '/process/env': execBytes,
  };
  const planBytes = Object.values(sizes).reduce((a, b) => a + b, 0);
  if (planBytes > CONFIG_PLAN_BYTES) {
    found.errors.push(
      issue(
        largest(sizes),
        `mounts, devices, paths, sysctls, args and env take ${planBytes} bytes of the container's ` +
          `plan; at most ${CONFIG_PLAN_BYTES} fit`,
      ),
    );
  }
}
