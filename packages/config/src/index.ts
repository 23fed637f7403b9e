// @nsinit/config: the container.json format as schema as code (typebox), its static types,
// validation with actionable messages, the default config and the 2014 built-in name and device
// tables. Browser-safe: nothing here imports node: modules (file loading is in ./node.ts).
export { ConfigError, type ConfigErrorCode, type ConfigErrorFields } from './config-error.js';
export { type DefaultConfigOptions, defaultConfig } from './defaults.js';
export { DEFAULT_ALLOWED_DEVICES, DEFAULT_AUTO_CREATED_DEVICES, DEFAULT_SIMPLE_DEVICES } from './devices.js';
export { checkIdRanges, RANGE_KEYS_2014, RANGE_KEYS_OCI, type RangeKeys } from './id-ranges.js';
export { type ConfigIssue, formatIssue } from './issues.js';
export { execBudget, LIST_LIMITS, MAX_DEVICE_DIRS } from './limits.js';
export {
  CAPABILITY_NAMES,
  type CapabilityName,
  NAMESPACE_NAMES,
  type NamespaceName,
  RLIMIT_NAMES,
  type RlimitName,
} from './names.js';
export * from './oci/index.js';
export {
  type ContainerConfig,
  ContainerConfigSchema,
  type Mount,
  type Namespaces,
  type Rlimit,
  SCHEMA_ID,
} from './schema.js';
export type { Cgroups } from './schema-cgroups.js';
export { type Device, MAX_MAJOR, MAX_MINOR } from './schema-devices.js';
export { schemaDocument } from './schema-document.js';
export { MIN_MTU, NETWORK_TYPES, type Network, type Route } from './schema-network.js';
export { type IdMapping, IdMappingSchema } from './schema-userns.js';
export {
  DEFAULT_SECCOMP_ALLOWED,
  defaultSeccompProfile,
  NAMESPACE_FLAGS_MASK,
} from './seccomp-default.js';
export {
  isContainerConfig,
  type ValidateOptions,
  type ValidationResult,
  validateConfig,
} from './validate.js';
