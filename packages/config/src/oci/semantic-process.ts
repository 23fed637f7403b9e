// Semantic checks of `process`: an argv for execve(2), an absolute cwd, setrlimit(2) soft <= hard
// and one entry per resource, capset(2) rules between the sets (effective and inheritable within
// permitted and bounding, ambient within permitted and inheritable) and sched_setattr(2) ranges.
import { issue, pointer, pushAll } from '../issues.js';
import { type Findings, isPlainObject } from '../normalise.js';
import { absolute, duplicates, each, noNul, noNulIn } from './checks.js';
import { OCI_CAPABILITY_NAMES, SCHED_POLICIES } from './names.js';

type Obj = Record<string, unknown>;

const KNOWN: ReadonlySet<string> = new Set(OCI_CAPABILITY_NAMES);
const WELL_FORMED = /^CAP_[A-Z0-9_]+$/;

function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];
}

function checkArgsAndEnv(p: Obj, found: Findings): void {
  if (p.args === undefined || (Array.isArray(p.args) && p.args.length === 0)) {
    found.errors.push(
      issue(
        '/process/args',
        'missing required field; expected the command as at least one argument, e.g. ["sh"]',
      ),
    );
  } else if (Array.isArray(p.args) && p.args[0] === '') {
    found.errors.push(issue('/process/args/0', 'must not be empty; expected the program to run'));
  }
  noNulIn(p.args, '/process/args', found);
  noNulIn(p.env, '/process/env', found);
  const envName = (v: unknown) =>
    typeof v === 'string' && v.indexOf('=') > 0 ? v.slice(0, v.indexOf('=')) : undefined;
  pushAll(found.warnings, duplicates(p.env, '/process/env', 'environment variable', envName));
}

function checkCapabilities(p: Obj, found: Findings): void {
  if (!isPlainObject(p.capabilities)) return;
  const caps = p.capabilities;
  const cap = (v: unknown) => (typeof v === 'string' ? v : undefined);
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient']) {
    pushAll(found.warnings, duplicates(caps[set], `/process/capabilities/${set}`, 'capability', cap));
  }
  // A set with a malformed name is already an error; comparing against it would only add noise.
  const sets = ['permitted', 'inheritable'].map((s) => caps[s]);
  if (
    sets.some(
      (s) =>
        s !== undefined &&
        (!Array.isArray(s) || s.some((n) => typeof n !== 'string' || !WELL_FORMED.test(n))),
    )
  )
    return;
  const permitted = new Set(strings(caps.permitted));
  const inheritable = new Set(strings(caps.inheritable));
  // capset(2) fails with EPERM when effective is not within permitted.
  strings(caps.effective).forEach((name, i) => {
    if (!permitted.has(name) && KNOWN.has(name)) {
      found.errors.push(
        issue(
          pointer('/process/capabilities/effective', i),
          `${name} is not in the permitted set; capset(2) refuses an effective capability that is not permitted`,
          name,
        ),
      );
    }
  });
  // PR_CAP_AMBIENT_RAISE fails unless the capability is both permitted and inheritable; runc
  // configs in the wild list ambient without inheritable, and runc skips those, so this warns.
  strings(caps.ambient).forEach((name, i) => {
    if ((!permitted.has(name) || !inheritable.has(name)) && KNOWN.has(name)) {
      found.warnings.push(
        issue(
          pointer('/process/capabilities/ambient', i),
          `${name} is not raised: an ambient capability must also be permitted and inheritable`,
          name,
        ),
      );
    }
  });
}

function checkRlimits(p: Obj, found: Findings): void {
  const type = (v: unknown) => (isPlainObject(v) && typeof v.type === 'string' ? v.type : undefined);
  pushAll(found.errors, duplicates(p.rlimits, '/process/rlimits', 'resource limit', type));
  each(p.rlimits, '/process/rlimits', (r, at) => {
    const { soft, hard } = r;
    if (typeof soft === 'number' && typeof hard === 'number' && hard >= 0 && soft > hard) {
      found.errors.push(
        issue(pointer(at, 'soft'), `must not exceed the hard limit (${hard}), got ${soft}`, soft),
      );
    }
  });
}

function checkScheduler(p: Obj, found: Findings): void {
  if (!isPlainObject(p.scheduler)) return;
  const s = p.scheduler;
  if (typeof s.policy !== 'string' || !(SCHED_POLICIES as readonly string[]).includes(s.policy)) return;
  const realtime = s.policy === 'SCHED_FIFO' || s.policy === 'SCHED_RR';
  const priority = typeof s.priority === 'number' ? s.priority : 0;
  // sched_setattr(2): real-time policies need a static priority 1..99, the others exactly 0.
  if (realtime && priority < 1) {
    found.errors.push(
      issue('/process/scheduler/priority', `${s.policy} needs a priority from 1 to 99`, s.priority),
    );
  } else if (!realtime && priority !== 0) {
    found.errors.push(
      issue(
        '/process/scheduler/priority',
        `must be 0 for ${s.policy}; only SCHED_FIFO and SCHED_RR use it`,
        priority,
      ),
    );
  }
  if (s.policy === 'SCHED_DEADLINE') {
    const { runtime, deadline, period } = s;
    if (typeof runtime === 'number' && typeof deadline === 'number' && deadline > 0 && runtime > deadline) {
      found.errors.push(
        issue('/process/scheduler/runtime', `must not exceed deadline (${deadline})`, runtime),
      );
    }
    if (typeof deadline === 'number' && typeof period === 'number' && period > 0 && deadline > period) {
      found.errors.push(issue('/process/scheduler/deadline', `must not exceed period (${period})`, deadline));
    }
  }
}

export function checkProcess(c: Obj, found: Findings): void {
  if (!isPlainObject(c.process)) return;
  const p = c.process;
  absolute(p.cwd, '/process/cwd', found);
  noNul(p.cwd, '/process/cwd', found);
  checkArgsAndEnv(p, found);
  if (p.consoleSize !== undefined && p.terminal !== true) {
    found.warnings.push(issue('/process/consoleSize', 'ignored because process.terminal is not true'));
  }
  if (isPlainObject(p.user)) {
    const gid = (v: unknown) => (typeof v === 'number' ? String(v) : undefined);
    pushAll(found.warnings, duplicates(p.user.additionalGids, '/process/user/additionalGids', 'group', gid));
  }
  checkCapabilities(p, found);
  checkRlimits(p, found);
  checkScheduler(p, found);
}
