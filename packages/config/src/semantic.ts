// Checks beyond types that mirror what the kernel or the 2014 runtime would refuse or silently get
// wrong: mknod(2) device numbers, devices-cgroup rules, CFS bandwidth limits (sched(7)), setrlimit(2)
// ordering, and namespace combinations that would touch the host (namespaces(7)).
import { ABSOLUTE_PATH_HINT } from './fields.js';
import { type ConfigIssue, issue, pointer } from './issues.js';
import { type Findings, isPlainObject } from './normalise.js';
import { checkNetworks, checkRoutes } from './semantic-network.js';

/** The CFS bandwidth controller rejects periods and quotas below 1 ms. */
const MIN_CFS_US = 1000;

function each(list: unknown, base: string, fn: (item: Record<string, unknown>, at: string) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (isPlainObject(item)) fn(item, pointer(base, i));
  });
}

function duplicates(
  list: unknown,
  base: string,
  what: string,
  key: (v: unknown) => string | undefined,
): ConfigIssue[] {
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  list.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) out.push(issue(pointer(base, i), `duplicate ${what} ${k}`, item));
    seen.add(k);
  });
  return out;
}

function checkEnvironmentAndCaps(c: Record<string, unknown>, found: Findings): void {
  const envName = (v: unknown) =>
    typeof v === 'string' && v.indexOf('=') > 0 ? v.slice(0, v.indexOf('=')) : undefined;
  found.warnings.push(...duplicates(c.environment, '/environment', 'environment variable', envName));
  const cap = (v: unknown) => (typeof v === 'string' ? v : undefined);
  found.warnings.push(...duplicates(c.capabilities, '/capabilities', 'capability', cap));
}

function checkNamespaces(c: Record<string, unknown>, found: Findings): { newnet: boolean } {
  // A namespaces value of the wrong type is already an error; guessing its flags would only add noise.
  if (c.namespaces !== undefined && !isPlainObject(c.namespaces)) return { newnet: true };
  const ns = isPlainObject(c.namespaces) ? c.namespaces : {};
  if (typeof c.hostname === 'string' && c.hostname !== '' && ns.NEWUTS !== true) {
    found.warnings.push(
      issue('/hostname', 'NEWUTS is not enabled, so setting the hostname would rename the host', c.hostname),
    );
  }
  if (ns.NEWNS !== true) {
    found.warnings.push(
      issue(
        '/namespaces',
        'NEWNS is not enabled, so mounts and pivot_root would act on the host mount namespace',
      ),
    );
  }
  return { newnet: ns.NEWNET === true };
}

function checkMounts(c: Record<string, unknown>, found: Findings): void {
  each(c.mounts, '/mounts', (m, at) => {
    if (typeof m.type !== 'string') return;
    if (m.type !== 'bind') {
      found.warnings.push(
        issue(
          pointer(at, 'type'),
          `mount type "${m.type}" is ignored; only "bind" mounts are performed`,
          m.type,
        ),
      );
      return;
    }
    for (const key of ['source', 'destination'] as const) {
      if (m[key] === undefined || m[key] === '') {
        found.errors.push(
          issue(pointer(at, key), 'missing required field; a bind mount needs an absolute path'),
        );
      }
    }
  });
}

function checkDevices(c: Record<string, unknown>, found: Findings): void {
  each(c.device_nodes, '/device_nodes', (d, at) => {
    if (d.path === undefined || d.path === '') {
      found.errors.push(
        issue(pointer(at, 'path'), 'missing required field; a device node needs a path such as "/dev/null"'),
      );
    } else if (typeof d.path === 'string' && !d.path.startsWith('/')) {
      found.errors.push(
        issue(pointer(at, 'path'), `${ABSOLUTE_PATH_HINT}, got ${JSON.stringify(d.path)}`, d.path),
      );
    }
    for (const key of ['major_number', 'minor_number'] as const) {
      if (d[key] === -1) {
        found.errors.push(
          issue(pointer(at, key), 'the wildcard -1 is only valid in cgroups.allowed_devices', -1),
        );
      }
    }
  });
  const cgroups = isPlainObject(c.cgroups) ? c.cgroups : {};
  each(cgroups.allowed_devices, '/cgroups/allowed_devices', (d, at) => {
    const perms = d.cgroup_permissions;
    if (perms === undefined) {
      found.errors.push(
        issue(
          pointer(at, 'cgroup_permissions'),
          'missing required field; expected a combination of "r", "w" and "m"',
        ),
      );
    } else if (typeof perms === 'string' && new Set(perms).size !== perms.length) {
      found.errors.push(
        issue(pointer(at, 'cgroup_permissions'), 'each of "r", "w" and "m" may appear only once', perms),
      );
    }
  });
}

function checkCgroups(c: Record<string, unknown>, found: Findings): void {
  if (!isPlainObject(c.cgroups)) return;
  const g = c.cgroups;
  if (g.name === undefined || g.name === '') {
    found.errors.push(
      issue('/cgroups/name', 'missing required field; expected the name of the container cgroup'),
    );
  } else if (g.name === '.' || g.name === '..') {
    found.errors.push(issue('/cgroups/name', 'must not be "." or ".."', g.name));
  }
  if (typeof g.parent === 'string' && g.parent.split('/').includes('..')) {
    found.errors.push(
      issue('/cgroups/parent', 'must not contain ".." (it would leave the cgroup hierarchy)', g.parent),
    );
  }
  for (const key of ['cpu_period', 'cpu_quota'] as const) {
    const v = g[key];
    if (typeof v === 'number' && v > 0 && v < MIN_CFS_US) {
      found.errors.push(issue(`/cgroups/${key}`, `must be at least ${MIN_CFS_US} microseconds, got ${v}`, v));
    }
  }
  const { memory, memory_swap: swap } = g;
  if (typeof memory === 'number' && typeof swap === 'number' && memory > 0 && swap > 0 && swap < memory) {
    found.errors.push(
      issue(
        '/cgroups/memory_swap',
        `must be at least memory (${memory}), as it limits memory plus swap`,
        swap,
      ),
    );
  }
}

function checkRlimits(c: Record<string, unknown>, found: Findings): void {
  const type = (v: unknown) => (isPlainObject(v) && typeof v.type === 'string' ? v.type : undefined);
  found.errors.push(...duplicates(c.rlimits, '/rlimits', 'resource limit', type));
  each(c.rlimits, '/rlimits', (r, at) => {
    const { soft, hard } = r;
    if (typeof soft !== 'number' || typeof hard !== 'number' || hard === -1) return;
    if (soft === -1 || soft > hard) {
      found.errors.push(
        issue(pointer(at, 'soft'), `must not exceed the hard limit (${hard}), got ${soft}`, soft),
      );
    }
  });
}

/** Run every semantic check on a normalised config, appending to `found`. */
export function checkSemantics(config: Record<string, unknown>, found: Findings): void {
  checkEnvironmentAndCaps(config, found);
  const { newnet } = checkNamespaces(config, found);
  checkNetworks(config, newnet, found);
  checkRoutes(config, newnet, found);
  checkMounts(config, found);
  checkDevices(config, found);
  checkCgroups(config, found);
  checkRlimits(config, found);
}
