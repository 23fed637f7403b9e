// @nsinit/testkit: throwaway busybox bundles, host-capability guards, leak checks, the recording
// native fake, and helpers that drive the real CLI through pipes or a pseudo-terminal.
export { type Bundle, type BundleOptions, chownTree, createBundle } from './bundle.js';
export {
  type CliOptions,
  type CliResult,
  nsinitBin,
  nsinitTestHooksBin,
  runCli,
  runCommand,
} from './cli.js';
export { type Containerd, startContainerd } from './engines/containerd.js';
export {
  type EngineOptions,
  PODMAN_IMAGE,
  PODMAN_INFRA_IMAGE,
  type Podman,
  startPodman,
} from './engines/podman.js';
export { TestkitError } from './errors.js';
export { acquireHostLock } from './exclusive.js';
export {
  createNativeFake,
  type NativeFake,
  type NativeFakeOptions,
  type RecordedCall,
} from './fake-native.js';
export * from './hostile.js';
export {
  diffHost,
  type HostSnapshot,
  type LeakCheckOptions,
  type SnapshotOptions,
  settledDiff,
  snapshotHost,
  useLeakCheck,
} from './leaks.js';
export { NETNS_RUN_DIR, netnsDirMounted, prepareNetnsDir } from './netns-dir.js';
export {
  createOciBundle,
  nsinitOciBin,
  type OciBundle,
  type OciBundleOptions,
  ociTestSpec,
} from './oci-bundle.js';
export { type PtyOptions, type PtySession, spawnInPty } from './pty.js';
export {
  REFERENCE_MISSING,
  referenceCandidates,
  referenceFile,
  repoRoot,
  SAMPLE_NAME,
  sampleText,
} from './reference.js';
export { type Need, requires, unmet } from './requires.js';
export { busyboxApplets, GROUP, PASSWD } from './rootfs.js';
export {
  type IdRange,
  processesOf,
  ROOTLESS_USER,
  type RootlessSession,
  type RootlessUser,
  rootlessProblem,
  rootlessSession,
  rootlessUser,
} from './rootless.js';
