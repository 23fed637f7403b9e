// Semantic checks of `linux.resources` against what the cgroup files accept: CFS bandwidth limits
// (sched(7): at least 1 ms), memory+swap not below memory, one hugetlb limit per page size, and
// `unified` file names that stay inside the container cgroup directory.
import { issue, pointer, pushAll } from '../issues.js';
import { type Findings, isPlainObject } from '../normalise.js';
import { duplicates, each } from './checks.js';

type Obj = Record<string, unknown>;

/** The CFS bandwidth controller rejects periods and quotas below 1 ms. */
const MIN_CFS_US = 1000;

function checkMemory(m: Obj, found: Findings): void {
  const { limit, swap, reservation } = m;
  if (typeof limit === 'number' && typeof swap === 'number' && limit > 0 && swap > 0 && swap < limit) {
    found.errors.push(
      issue(
        '/linux/resources/memory/swap',
        `must be at least limit (${limit}), as it limits memory plus swap`,
        swap,
      ),
    );
  }
  if (typeof limit === 'number' && typeof reservation === 'number' && limit > 0 && reservation > limit) {
    found.warnings.push(
      issue(
        '/linux/resources/memory/reservation',
        `above limit (${limit}), so it never takes effect`,
        reservation,
      ),
    );
  }
  if (m.kernel !== undefined) {
    found.warnings.push(
      issue(
        '/linux/resources/memory/kernel',
        'kernel memory limits are deprecated by the kernel and ignored',
      ),
    );
  }
}

function checkCpu(cpu: Obj, found: Findings): void {
  const { period, quota } = cpu;
  if (typeof period === 'number' && period > 0 && period < MIN_CFS_US) {
    found.errors.push(
      issue(
        '/linux/resources/cpu/period',
        `must be at least ${MIN_CFS_US} microseconds, got ${period}`,
        period,
      ),
    );
  }
  if (typeof quota === 'number' && quota > 0 && quota < MIN_CFS_US) {
    found.errors.push(
      issue('/linux/resources/cpu/quota', `must be at least ${MIN_CFS_US} microseconds, got ${quota}`, quota),
    );
  }
  if (
    typeof cpu.burst === 'number' &&
    typeof quota === 'number' &&
    quota >= MIN_CFS_US &&
    cpu.burst > quota
  ) {
    found.errors.push(issue('/linux/resources/cpu/burst', `must not exceed quota (${quota})`, cpu.burst));
  }
}

function checkBlockIo(b: Obj, found: Findings): void {
  each(b.weightDevice, '/linux/resources/blockIO/weightDevice', (d, at) => {
    if (d.weight === undefined && d.leafWeight === undefined) {
      found.errors.push(
        issue(pointer(at, 'weight'), 'missing required field; set weight, leafWeight or both'),
      );
    }
  });
}

export function checkResources(r: Obj, found: Findings): void {
  if (isPlainObject(r.memory)) checkMemory(r.memory, found);
  if (isPlainObject(r.cpu)) checkCpu(r.cpu, found);
  if (isPlainObject(r.blockIO)) checkBlockIo(r.blockIO, found);
  const size = (v: unknown) => (isPlainObject(v) && typeof v.pageSize === 'string' ? v.pageSize : undefined);
  pushAll(found.errors, duplicates(r.hugepageLimits, '/linux/resources/hugepageLimits', 'page size', size));
  if (isPlainObject(r.rdma)) {
    for (const [device, limits] of Object.entries(r.rdma)) {
      if (isPlainObject(limits) && limits.hcaHandles === undefined && limits.hcaObjects === undefined) {
        found.errors.push(
          issue(pointer('/linux/resources/rdma', device), 'set hcaHandles, hcaObjects or both'),
        );
      }
    }
  }
  if (isPlainObject(r.unified)) {
    for (const key of Object.keys(r.unified)) {
      // Each key is a file name in the container's cgroup directory; a "/" would reach another one.
      if (!/^[a-z0-9_]+\.[A-Za-z0-9_.-]+$/.test(key)) {
        found.errors.push(
          issue(
            pointer('/linux/resources/unified', key),
            'expected a cgroup v2 file name such as "memory.high" (no "/")',
          ),
        );
      }
    }
  }
}
