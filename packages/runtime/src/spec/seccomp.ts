// `linux.seccomp` → the normalized filter the plan carries: actions as the kernel's SECCOMP_RET_*
// values with their data (seccomp(2); libseccomp's SCMP_ACT_* are the same numbers), libseccomp's
// architecture names, SCMP_CMP_* operator numbers and SECCOMP_FILTER_FLAG_* bits. The BPF program
// is compiled from this by the addon (libseccomp) in the parent; the child only loads it.
import { configError } from '../errors.js';

export interface SeccompRule {
  names: readonly string[];
  action: number;
  /** [argument index, SCMP_CMP_* op, value, valueTwo] */
  args: readonly (readonly [number, number, bigint, bigint])[];
}

export interface SeccompSpec {
  /** Where the SCMP_ACT_NOTIFY listener fd goes (an AF_UNIX stream socket), with the metadata. */
  listener?: { path: string; metadata?: string };
  defaultAction: number;
  /** libseccomp architecture names ("x86_64", "x86", ...); the native one is always included. */
  architectures: readonly string[];
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2). */
  flags: number;
  rules: readonly SeccompRule[];
}

export interface OciSeccompInput {
  defaultAction?: string;
  defaultErrnoRet?: number;
  architectures?: readonly string[];
  flags?: readonly string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: readonly {
    names?: readonly string[];
    action?: string;
    errnoRet?: number;
    args?: readonly { index?: number; value?: number; valueTwo?: number; op?: string }[];
  }[];
}

const EPERM = 1;
const RET_USER_NOTIF = 0x7fc00000;
/** SECCOMP_FILTER_FLAG_NEW_LISTENER: seccomp(2) returns the user-notification fd. */
export const SECCOMP_FLAG_NEW_LISTENER = 8;
/** Syscalls the runtime makes after loading the filter and before the agent has the listener
 *  (sendmsg hands it over, write reports a failure): a notification there would never be answered. */
const NOTIFY_REFUSED = new Set(['sendmsg', 'write', 'exit', 'exit_group']);
const RET_DATA = 0xffff;

/** The SECCOMP_RET_* value of an action with its data (uapi linux/seccomp.h). */
function actionValue(name: string | undefined, errnoRet: number | undefined, field: string): number {
  const data = (errnoRet ?? EPERM) & RET_DATA;
  switch (name) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0x00000000;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_ERRNO':
      return (0x00050000 | data) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (0x7ff00000 | data) >>> 0;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
    case 'SCMP_ACT_NOTIFY':
      return 0x7fc00000; // SECCOMP_RET_USER_NOTIF
    default:
      throw configError(field, `unknown seccomp action '${String(name)}'`);
  }
}

const OPERATORS: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** SECCOMP_FILTER_FLAG_* (uapi linux/seccomp.h). TSYNC synchronises the filter across threads;
 *  the container's init is single-threaded when it loads it, so it holds without the bit. */
const FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 0,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};

function u64(v: number | undefined, field: string): bigint {
  if (v === undefined) return 0n;
  if (!Number.isInteger(v) || v < 0) throw configError(field, `'${v}' is not an unsigned 64-bit value`);
  return BigInt(v);
}

/** Maps an OCI `linux.seccomp` (already validated structurally by @nsinit/config); `field` is
 *  where the object is (container.json's `seccomp` key takes the same shape at /seccomp). */
export function seccompFromOci(s: OciSeccompInput, field = '/linux/seccomp'): SeccompSpec {
  let flags = 0;
  (s.flags ?? []).forEach((name, i) => {
    const bit = FLAGS[name];
    if (bit === undefined)
      throw configError(`${field}/flags/${i}`, `seccomp flag '${name}' is not supported`);
    flags |= bit;
  });
  const architectures = (s.architectures ?? []).map((a, i) => {
    if (!a.startsWith('SCMP_ARCH_'))
      throw configError(`${field}/architectures/${i}`, `unknown architecture '${a}'`);
    return a.slice('SCMP_ARCH_'.length).toLowerCase();
  });
  const defaultAction = actionValue(s.defaultAction, s.defaultErrnoRet, `${field}/defaultAction`);
  if (defaultAction === RET_USER_NOTIF)
    throw configError(
      `${field}/defaultAction`,
      'SCMP_ACT_NOTIFY cannot be the default action: the runtime itself needs sendmsg and write after loading the filter',
    );
  const rules = (s.syscalls ?? []).map((r, i): SeccompRule => {
    const at = `${field}/syscalls/${i}`;
    const args = (r.args ?? []).map((a, j): readonly [number, number, bigint, bigint] => {
      const op = OPERATORS[a.op ?? ''];
      if (op === undefined) throw configError(`${at}/args/${j}/op`, `unknown operator '${String(a.op)}'`);
      const index = a.index ?? -1;
      if (!Number.isInteger(index) || index < 0 || index > 5)
        throw configError(`${at}/args/${j}/index`, 'must be an argument index 0-5');
      return [index, op, u64(a.value, `${at}/args/${j}/value`), u64(a.valueTwo, `${at}/args/${j}/valueTwo`)];
    });
    if (args.length > 6) throw configError(`${at}/args`, 'at most 6 argument conditions');
    const action = actionValue(r.action, r.errnoRet, `${at}/action`);
    if (action === RET_USER_NOTIF)
      (r.names ?? []).forEach((name, j) => {
        if (NOTIFY_REFUSED.has(name))
          throw configError(
            `${at}/names/${j}`,
            `SCMP_ACT_NOTIFY cannot be used for ${name}: the runtime hands the listener its fd with it`,
          );
      });
    return { names: [...(r.names ?? [])], action, args };
  });
  const notify = rules.some((r) => r.action === RET_USER_NOTIF && r.names.length > 0);
  if (notify && !s.listenerPath)
    throw configError(`${field}/listenerPath`, 'SCMP_ACT_NOTIFY needs a listener socket (listenerPath)');
  // The listener is only asked for when a rule notifies (runc ignores listenerPath otherwise).
  if (notify) flags |= SECCOMP_FLAG_NEW_LISTENER;
  return {
    defaultAction,
    architectures,
    flags,
    rules,
    ...(notify
      ? {
          listener: {
            path: s.listenerPath!,
            ...(s.listenerMetadata === undefined ? {} : { metadata: s.listenerMetadata }),
          },
        }
      : {}),
  };
}

/** What the addon's compileSeccomp takes, flattened: one rule per syscall name. */
export type SeccompCompiler = (
  defaultAction: number,
  arches: string[],
  names: string[],
  actions: number[],
  args: (readonly [number, number, bigint, bigint])[][],
) => Uint8Array;

/** Compiles the filter to a BPF program; a failure names the rule's field. */
export function compileSeccompProgram(
  spec: SeccompSpec,
  compile: SeccompCompiler,
  field = '/linux/seccomp',
): Uint8Array {
  const names: string[] = [];
  const actions: number[] = [];
  const args: (readonly [number, number, bigint, bigint])[][] = [];
  for (const r of spec.rules) {
    for (const name of r.names) {
      names.push(name);
      actions.push(r.action);
      args.push([...r.args]);
    }
  }
  try {
    return compile(spec.defaultAction, [...spec.architectures], names, actions, args);
  } catch (err) {
    const e = err as { syscall?: string; path?: string; message?: string };
    throw configError(field, `cannot compile the filter: ${e.message ?? String(err)}`);
  }
}
