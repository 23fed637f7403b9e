// The OCI lifecycle (nsinit-oci): create/start/state/kill/delete and friends over an OCI bundle,
// with the trusted state under --root. See README "OCI runtime: nsinit-oci".

export { masterStreams } from '../tty.js';
export { type Created, type CreateOptions, createContainer } from './create.js';
export { type ExecOptions, type Executed, execContainer } from './exec.js';
export { type HookKind, type OciState, runHooks } from './hooks.js';
export {
  kill,
  list,
  type OciContext,
  type OciStatus,
  pause,
  ps,
  remove,
  resume,
  start,
  state,
  stateOf,
  statusOf,
} from './lifecycle.js';
export { liveness } from './proc.js';
export { oomKillCount, recordCgroup, statsOf, updateResources } from './resources.js';
export { type Bundle, loadBundle, type OciSpec } from './spec.js';
export { checkId, DEFAULT_ROOT, listIds, type OciRecord, readRecord } from './store.js';
