// The OCI runtime-spec config.json in @nsinit/config: schema, static types, validation, the default
// spec, and the state and features documents. Browser-safe (no node: imports).
export { CAPABILITY_SETS } from './capabilities.js';
export {
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  type DefaultOciSpecOptions,
  defaultOciSpec,
} from './defaults.js';
export {
  buildOciFeatures,
  OCI_MOUNT_OPTIONS,
  type OciFeatures,
  type OciFeaturesInput,
  type OciFeaturesLinux,
} from './features.js';
export { MAX_ID } from './fields.js';
export {
  HOOK_NAMES,
  OCI_CAPABILITY_NAMES,
  OCI_NAMESPACE_TYPES,
  OCI_RLIMIT_NAMES,
  type OciCapabilityName,
  type OciHookName,
  type OciNamespaceType,
} from './names.js';
export {
  OCI_SCHEMA_ID,
  OCI_VERSION,
  type OciConfig,
  OciConfigSchema,
  type OciRoot,
} from './schema.js';
export { ociSchemaDocument } from './schema-document.js';
export type { OciHook, OciHooks } from './schema-hooks.js';
export type { OciDevice, OciLinux, OciNamespace } from './schema-linux.js';
export type { OciIdMapping, OciMount } from './schema-mounts.js';
export type { OciCapabilities, OciProcess, OciRlimit, OciUser } from './schema-process.js';
export type {
  OciBlockIo,
  OciCpu,
  OciDeviceCgroup,
  OciLinuxResources,
  OciMemory,
  OciThrottleDevice,
} from './schema-resources.js';
export type { OciSeccomp } from './schema-seccomp.js';
export { OCI_STATUSES, type OciState, type OciStatus } from './state.js';
export { isOciConfig, type OciValidationResult, validateOciConfig } from './validate.js';
