export type {
  AwaitServe,
  DeviceFilterRule,
  IdMapRange,
  IdmappedTreeOptions,
  NativeBindings,
  TermiosFlags,
  WinSize,
} from './bindings.js';
export { childFailureError } from './child-failure.js';
export { encodePlan } from './encode-plan.js';
export { describeErrno, NsinitError, type NsinitErrorFields, systemError } from './errors.js';
export { loadNative, native } from './native.js';
export type { ChildFailure, ExitStatus, Plan, Spawned, Step, StepOp } from './plan.js';
