// Capability names in config.json: the spec says a name the runtime cannot map to a kernel
// capability is logged as a warning, not an error, so well-formed unknown names (a newer kernel's)
// are warned about with a did-you-mean and left out of the validated config.
import { issue, pointer } from '../issues.js';
import { type Findings, isPlainObject } from '../normalise.js';
import { closest } from '../suggest.js';
import { OCI_CAPABILITY_NAMES } from './names.js';

const KNOWN: ReadonlySet<string> = new Set(OCI_CAPABILITY_NAMES);
const WELL_FORMED = /^CAP_[A-Z0-9_]+$/;
export const CAPABILITY_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;

function sets(config: Record<string, unknown>): Record<string, unknown> | undefined {
  const process = config.process;
  if (!isPlainObject(process) || !isPlainObject(process.capabilities)) return undefined;
  return process.capabilities;
}

const unknown = (name: unknown) => typeof name === 'string' && WELL_FORMED.test(name) && !KNOWN.has(name);

/** Warn for every well-formed capability name the kernel table does not know. */
export function warnUnknownCapabilities(config: Record<string, unknown>, found: Findings): void {
  const caps = sets(config);
  if (caps === undefined) return;
  for (const set of CAPABILITY_SETS) {
    const names = caps[set];
    if (!Array.isArray(names)) continue;
    names.forEach((name, i) => {
      if (!unknown(name)) return;
      const match = closest(name as string, OCI_CAPABILITY_NAMES);
      const hint = match === undefined ? '' : `; did you mean ${match}?`;
      found.warnings.push(
        issue(pointer(`/process/capabilities/${set}`, i), `unknown capability, ignored${hint}`, name),
      );
    });
  }
}

/** Whether any capability set holds a name warnUnknownCapabilities warns about. */
export function hasUnknownCapability(config: Record<string, unknown>): boolean {
  const caps = sets(config);
  return caps !== undefined && CAPABILITY_SETS.some((s) => Array.isArray(caps[s]) && caps[s].some(unknown));
}

/** Remove the unknown names (in place); run only once every issue has been located. */
export function stripUnknownCapabilities(config: Record<string, unknown>): void {
  const caps = sets(config);
  if (caps === undefined) return;
  for (const set of CAPABILITY_SETS) {
    const names = caps[set];
    if (Array.isArray(names)) caps[set] = names.filter((n) => !unknown(n));
  }
}
