// Capability names in config.json: since runtime-spec 1.1 a name the runtime cannot map to a kernel
// capability is logged as a warning, not an error, so well-formed unknown names (a newer kernel's)
// are warned about with a did-you-mean and left out of the validated config. A 1.0 config gets the
// error its version asks for ("MUST cause an error").
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

/** runtime-spec 1.0.x (pre-releases such as "1.0.2-dev" included) made unknown names an error. */
function unknownIsError(config: Record<string, unknown>): boolean {
  return typeof config.ociVersion === 'string' && /^1\.0\./.test(config.ociVersion);
}

/** Warn for every well-formed capability name the kernel table does not know (an error for 1.0). */
export function warnUnknownCapabilities(config: Record<string, unknown>, found: Findings): void {
  const caps = sets(config);
  if (caps === undefined) return;
  const strict = unknownIsError(config);
  for (const set of CAPABILITY_SETS) {
    const names = caps[set];
    if (!Array.isArray(names)) continue;
    names.forEach((name, i) => {
      if (!unknown(name)) return;
      const match = closest(name as string, OCI_CAPABILITY_NAMES);
      const hint = match === undefined ? '' : `; did you mean ${match}?`;
      const at = pointer(`/process/capabilities/${set}`, i);
      if (strict) {
        found.errors.push(
          issue(
            at,
            `unknown capability (an error for runtime-spec 1.0; 1.1 and later ignore it)${hint}`,
            name,
          ),
        );
      } else found.warnings.push(issue(at, `unknown capability, ignored${hint}`, name));
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
