// Turns a child-side failure record ({step, syscall, errno, path} read from the sync socket) into
// the project's SystemError-like NsinitError: `ENOENT: no such file or directory, execve 'nosuch'`
// with `step` naming the plan step kind that failed.
import { type NsinitError, systemError } from './errors.js';
import type { ChildFailure, Plan } from './plan.js';

export function childFailureError(f: ChildFailure, plan: Plan): NsinitError {
  const step = f.step >= 0 ? plan.steps[f.step] : undefined;
  const extra: { dest?: string; step: string } = { step: f.op };
  // A bind whose source failed reads like Node's fs errors: `open_tree '/src' -> '/dst'`.
  if (step && (step.op === 'bind' || step.op === 'mount') && f.path !== '' && f.path === step.source) {
    extra.dest = step.target;
  }
  return systemError(f.errno, f.syscall, f.path === '' ? undefined : f.path, extra);
}
