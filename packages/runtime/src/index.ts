// @nsinit/runtime: start, join, supervise and tear down nsinit containers from Node, with a
// child_process-like API. open(dir) → Container; container.exec/run/join(argv) → ContainerProcess.
import { type Container, type OpenOptions, open, type ProcessOptions } from './container.js';
import type { ContainerProcess } from './process.js';

/** The addon's bindings (loaded on first use), for callers that own a terminal (raw mode). */
export { type NativeBindings, native, type TermiosFlags } from '@nsinit/native';
export { capabilityMask, capabilityNames } from './capabilities.js';
export {
  type CgroupHandle,
  type CgroupStats,
  type Counter,
  cgroupsOf,
  detectCgroupVersion,
  formatStats,
  freeze,
  freezerState,
  isFrozen,
  type ManagedCgroup,
  readStats,
  statsJson,
  thaw,
} from './cgroups/index.js';
export * from './cgroups/oci.js';
export {
  Container,
  type ContainerStatus,
  hiddenDataFiles,
  liveCgroup,
  type OpenOptions,
  open,
  type ProcessOptions,
  startedAt,
  status,
} from './container.js';
export { type ErrorCode, ErrorCodes, NsinitError } from './errors.js';
export { DEFAULT_PATH, execCandidates } from './exec-path.js';
export { type FileLock, lockFile, tryLockFile } from './lock.js';
export {
  type CompileOptions,
  compilePlan,
  type KernelTables,
  namespaceFlags,
  type PlanConfig,
} from './plan/compile.js';
export {
  ContainerProcess,
  type ProcessError,
  type ProcessResult,
  signalName,
  signalNumber,
} from './process.js';
export {
  checkPrivateDir,
  defaultOciRoot,
  defaultStateRoot,
  inInitialUserNamespace,
  isRootless,
  userRuntimeDir,
} from './rootless.js';
export { FORWARDED_SIGNALS, forwardSignals } from './signals.js';
export {
  type Caller,
  currentCaller,
  mapText,
  setgroupsDenied,
  type UsernsSetup,
  usernsSetup,
  writeIdMaps,
} from './userns.js';
export {
  type CompiledOci,
  type CompileOciOptions,
  compileOci,
  hostLsms,
  startCompiled,
  writeOomScoreAdj,
} from './spec/compile-oci.js';
export { type IdmapTrees, idmapWarnings, type OpenIdmappedTree, openIdmapTrees } from './idmap-mounts.js';
export { DEFAULT_MASKED_PATHS } from './spec/defaults.js';
export { from2014 } from './spec/from-2014.js';
export { type FromOciOptions, fromOci } from './spec/from-oci.js';
export type * from './spec/model.js';
export { parseMountOptions } from './spec/mount-options.js';
export {
  compileSeccompProgram,
  type SeccompCompiler,
  type SeccompSpec,
  seccompFromOci,
} from './spec/seccomp.js';
export { compileSeccompFilter } from './spec/seccomp-cache.js';
export type { OciConfigInput } from './spec/oci-input.js';
export { type OciProcessInput, withOciProcess } from './spec/oci-process.js';
export {
  CONFIG_LIMIT,
  type ContainerState,
  DEFAULT_STATE_ROOT,
  FileReadError,
  type InstanceRecord,
  readBounded,
  readFdBounded,
  TINY_LIMIT,
  TrustedState,
  writeAtomic,
} from './state/index.js';
export type { StdioOption, StdioOptions } from './stdio.js';
export { type Identity, lookupUser, resolveUser } from './user.js';

/** Open `dir` and run `argv` there: join the live container or start one (nsinit exec). */
export async function exec(
  dir: string,
  argv: readonly string[],
  options: ProcessOptions & OpenOptions = {},
): Promise<ContainerProcess> {
  const container: Container = await open(dir, options);
  return container.exec(argv, options);
}

/** Open `dir` and start the container with `argv` as PID 1 (fails if one is live). */
export async function run(
  dir: string,
  argv: readonly string[],
  options: ProcessOptions & OpenOptions = {},
): Promise<ContainerProcess> {
  const container: Container = await open(dir, options);
  return container.run(argv, options);
}
export * as oci from './oci/index.js';
