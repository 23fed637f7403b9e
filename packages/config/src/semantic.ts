// Checks beyond types that mirror what the kernel or the 2014 runtime would refuse or silently get
// wrong: mknod(2) device numbers, devices-cgroup rules, CFS bandwidth limits (sched(7)), setrlimit(2)
// ordering, and namespace combinations that would touch the host (namespaces(7)).
import { ABSOLUTE_PATH_HINT } from './fields.js';
import { checkIdRanges, RANGE_KEYS_2014 } from './id-ranges.js';
import { issue, pointer } from './issues.js';
import { LIST_LIMITS, normalisePath } from './limits.js';
import { duplicates, each } from './list-checks.js';
import { type Findings, isPlainObject } from './normalise.js';
import { checkKernelExtensions } from './semantic-kernel.js';
import { checkLimits } from './semantic-limits.js';
import { checkNetworks, checkRoutes } from './semantic-network.js';

/** The CFS bandwidth controller rejects periods and quotas below 1 ms. */
const MIN_CFS_US = 1000;

function checkEnvironmentAndCaps(c: Record<string, unknown>, found: Findings): void {
  const envName = (v: unknown) =>
    typeof v === 'string' && v.indexOf('=') > 0 ? v.slice(0, v.indexOf('=')) : undefined;
  for (const w of duplicates(c.environment, '/environment', 'environment variable', envName))
    found.warnings.push(w);
  const cap = (v: unknown) => (typeof v === 'string' ? v : undefined);
  for (const w of duplicates(c.capabilities, '/capabilities', 'capability', cap)) found.warnings.push(w);
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
    checkMountIdMappings(m, at, found);
  });
}

/** An idmapped bind: both maps or neither, each one the kernel would accept. */
function checkMountIdMappings(m: Record<string, unknown>, at: string, found: Findings): void {
  const uid = m.uid_mappings !== undefined;
  const gid = m.gid_mappings !== undefined;
  if (uid !== gid) {
    const [has, lacks] = uid ? ['uid_mappings', 'gid_mappings'] : ['gid_mappings', 'uid_mappings'];
    found.errors.push(issue(pointer(at, lacks), `missing required field; ${has} needs ${lacks} too`));
  }
  for (const key of ['uid_mappings', 'gid_mappings'] as const) {
    if (Array.isArray(m[key]) && m[key].length === 0)
      found.errors.push(
        issue(pointer(at, key), 'must have at least one range; leave it out for a plain bind'),
      );
    found.errors.push(...checkIdRanges(m[key], pointer(at, key), RANGE_KEYS_2014));
  }
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
    } else if (typeof d.path === 'string' && normalisePath(d.path) === '/') {
      found.errors.push(issue(pointer(at, 'path'), 'the container root cannot be a device node', d.path));
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

/** Whether a devices-cgroup rule lets the container mknod this node (it needs "m"). */
function allowsMknod(rule: Record<string, unknown>, node: Record<string, unknown>): boolean {
  const perms = typeof rule.cgroup_permissions === 'string' ? rule.cgroup_permissions : '';
  if (perms !== '' && !perms.includes('m')) return false;
  if (rule.type !== 97 && rule.type !== node.type) return false;
  const matches = (k: 'major_number' | 'minor_number') => rule[k] === -1 || (rule[k] ?? 0) === (node[k] ?? 0);
  return matches('major_number') && matches('minor_number');
}

/** The device nodes are made after the container joins its devices cgroup: a node no rule allows
 *  to be created fails with EPERM at start (the v1 devices.deny "a" and the v2 program alike). */
function checkDeviceRules(c: Record<string, unknown>, found: Findings): void {
  if (!isPlainObject(c.cgroups) || c.cgroups.allow_all_devices === true) return;
  const rules = c.cgroups.allowed_devices;
  if (!Array.isArray(rules)) return;
  each(c.device_nodes, '/device_nodes', (d, at) => {
    if (typeof d.path !== 'string' || d.type === undefined) return;
    if (rules.some((r) => isPlainObject(r) && allowsMknod(r, d))) return;
    const kind = d.type === 98 ? 'b' : 'c';
    found.errors.push(
      issue(
        at,
        `cgroups.allowed_devices has no rule allowing mknod ("m") of ${kind} ` +
          `${d.major_number ?? 0}:${d.minor_number ?? 0}, so ${d.path} could not be created`,
      ),
    );
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
  for (const e of duplicates(c.rlimits, '/rlimits', 'resource limit', type)) found.errors.push(e);
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

/** The id maps as the kernel's map_write() takes them: NEWUSER needs both, no map without it, no
 *  range past id 2^32-1, no two ranges overlapping inside or outside (user_namespaces(7)). */
function checkIdMappings(c: Record<string, unknown>, found: Findings): void {
  // A namespaces value of the wrong type is already an error: whether NEWUSER is on is unknown.
  const known = c.namespaces === undefined || isPlainObject(c.namespaces);
  const ns = isPlainObject(c.namespaces) ? c.namespaces : {};
  const user = ns.NEWUSER === true;
  for (const key of ['uid_mappings', 'gid_mappings'] as const) {
    const list = c[key];
    const empty = !Array.isArray(list) || list.length === 0;
    if (!known) {
      // judged once namespaces is fixed
    } else if (user && empty) {
      found.errors.push(
        issue(
          `/${key}`,
          'missing required field; NEWUSER needs a map such as [{"container_id": 0, "host_id": 100000, "size": 65536}]',
        ),
      );
    } else if (!user && !empty) {
      found.errors.push(issue(`/${key}`, 'needs namespaces.NEWUSER to be true'));
    }
    found.errors.push(...checkIdRanges(list, `/${key}`, RANGE_KEYS_2014));
  }
}

/** Run every semantic check on a normalised config, appending to `found`. */
export function checkSemantics(input: Record<string, unknown>, found: Findings): void {
  // A list over its limit is already a type error; judging its entries one by one would only bury
  // that error under a million others.
  const config = withoutOversizedLists(input);
  checkEnvironmentAndCaps(config, found);
  const { newnet } = checkNamespaces(config, found);
  checkNetworks(config, newnet, found);
  checkRoutes(config, newnet, found);
  checkMounts(config, found);
  checkDevices(config, found);
  checkDeviceRules(config, found);
  checkCgroups(config, found);
  checkRlimits(config, found);
  checkIdMappings(config, found);
  checkKernelExtensions(config, found);
  checkLimits(config, found);
}

function withoutOversizedLists(c: Record<string, unknown>): Record<string, unknown> {
  const over = (v: unknown, max: number) => Array.isArray(v) && v.length > max;
  const out = { ...c };
  for (const key of [
    'environment',
    'capabilities',
    'mounts',
    'device_nodes',
    'networks',
    'routes',
    'rlimits',
  ] as const) {
    if (over(out[key], LIST_LIMITS[key])) delete out[key];
  }
  if (isPlainObject(out.cgroups) && over(out.cgroups.allowed_devices, LIST_LIMITS.allowed_devices)) {
    const { allowed_devices: _, ...rest } = out.cgroups;
    out.cgroups = rest;
  }
  return out;
}
