// Runtime state: the bounded-read and atomic-write primitives (shared with the OCI front end's
// state under --root), the trusted state of a data directory, and the 2014 data files.

export { type ContainerState, dataFileProblems, PID_FILE, START_FILE } from './data-files.js';
export {
  CONFIG_LIMIT,
  FileReadError,
  readBounded,
  readFdBounded,
  readOptional,
  TINY_LIMIT,
  unlinkQuiet,
  writeAtomic,
  writeInPlace,
} from './files.js';
export { DEFAULT_STATE_ROOT, type InstanceRecord, newInstanceId, TrustedState } from './trusted.js';
