export type { NativeBindings, WinSize } from './bindings.js';
export { describeErrno, NsinitError, type NsinitErrorFields, systemError } from './errors.js';
export type { ChildFailure, ExitStatus, Plan, Spawned, Step, StepOp } from './plan.js';
