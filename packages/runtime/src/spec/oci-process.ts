// The OCI process object (config.json's `process`, or `exec --process` JSON) → the model's
// process: numeric user, umask, all five capability sets as listed, rlimits, and the spec for an
// exec into a running container.
import type { FromOciOptions } from './from-oci.js';
import type { CapabilitySets, ProcessSpec, RlimitSpec, RuntimeSpec } from './model.js';
import type { OciConfigInput } from './oci-input.js';
import { checkLsm, refuse, refuseUnsupported } from './oci-refusals.js';

const SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;

export type OciProcessInput = NonNullable<OciConfigInput['process']>;

function capabilities(p: OciProcessInput): CapabilitySets {
  const c = p.capabilities ?? {};
  return Object.fromEntries(SETS.map((set) => [set, [...(c[set] ?? [])]])) as unknown as CapabilitySets;
}

/** An OCI process object → the model's process (user, umask, five capability sets, ...). */
export function ociProcess(p: OciProcessInput): ProcessSpec {
  const user = p.user ?? {};
  const rlimits: RlimitSpec[] = (p.rlimits ?? []).map((r) => ({ type: r.type, soft: r.soft, hard: r.hard }));
  return {
    ...(p.args ? { args: [...p.args] } : {}),
    env: [...(p.env ?? [])],
    cwd: p.cwd ?? '/',
    user: { uid: user.uid ?? 0, gid: user.gid ?? 0, additionalGids: [...(user.additionalGids ?? [])] },
    umask: user.umask ?? 0o022,
    capabilities: capabilities(p),
    rlimits,
    noNewPrivileges: p.noNewPrivileges === true,
    ...(p.oomScoreAdj === undefined ? {} : { oomScoreAdj: p.oomScoreAdj }),
    terminal: p.terminal === true,
    createCwd: true,
  };
}

/** The spec for `exec` into a running container: the container's spec with another OCI process
 *  (config.json's process schema, e.g. `exec --process process.json`), whose fields are named
 *  under `prefix` in errors ('' for a process.json file). Compile it with `join: true`. */
export function withOciProcess(
  spec: RuntimeSpec,
  process: OciProcessInput,
  prefix = '',
  options: FromOciOptions = {},
): RuntimeSpec {
  const config: OciConfigInput = { process };
  try {
    refuseUnsupported(config);
    checkLsm(config, options.lsms ?? []);
  } catch (err) {
    // Re-root the pointer under the process file's own prefix.
    const e = err as Error & { errors?: { path: string; message: string }[] };
    if (e.errors?.[0]) {
      const { path, message } = e.errors[0];
      refuse(`${prefix}${path.replace(/^\/process/, '')}`, message);
    }
    throw err;
  }
  if (process.apparmorProfile || process.selinuxLabel)
    refuse(
      `${prefix}/${process.apparmorProfile ? 'apparmorProfile' : 'selinuxLabel'}`,
      'LSM labels for exec are not supported yet',
    );
  const at = (name: string) => `${prefix}/${name}`;
  return {
    ...spec,
    process: ociProcess(process),
    at: {
      ...spec.at,
      env: at('env'),
      cwd: at('cwd'),
      rlimits: at('rlimits'),
      capabilities: {
        bounding: at('capabilities/bounding'),
        effective: at('capabilities/effective'),
        permitted: at('capabilities/permitted'),
        inheritable: at('capabilities/inheritable'),
        ambient: at('capabilities/ambient'),
      },
    },
  };
}
