// Plan → one contiguous little-endian buffer for the C core (src/plan.c decodes and validates it
// again before clone). Layout: header {magic, version, length, nsteps, cloneFlags u64, stdio[3],
// consoleFd}, then per step {op u32, bodyLength u32, body}; a string is {u32 length, UTF-8, NUL}.
import { NsinitError } from './errors.js';
import type { Plan, Step, StepOp } from './plan.js';

/** Wire op codes, as `enum nsinit_op` in src/nsinit.h numbers them (explicit from 34 on). */
export const OP_CODES: Readonly<Record<StepOp, number>> = {
  setns: 1,
  propagation: 2,
  rootfs: 3,
  mount: 4,
  bind: 5,
  mknod: 6,
  symlink: 7,
  mkdir: 8,
  console: 9,
  'pivot-root': 10,
  'move-root': 11,
  readonly: 12,
  mask: 13,
  hostname: 14,
  rlimit: 15,
  umask: 16,
  identity: 17,
  caps: 18,
  'no-new-privs': 19,
  chdir: 20,
  session: 21,
  pdeathsig: 22,
  dumpable: 23,
  'close-fds': 24,
  exec: 25,
  chown: 26,
  domainname: 27,
  sysctl: 28,
  personality: 29,
  unshare: 30,
  'lsm-label': 31,
  'await-start': 32,
  seccomp: 33,
  // Explicit ranges per feature from here (src/nsinit.h); unassigned codes are unknown ops.
  'userns-root': 34,
  'open-tree': 35,
  'attach-tree': 36,
  'setns-early': 37,
  'idmap-bind': 38,
  timens: 40, // i16's range: 40-43
  hook: 44, // oci13's range: 44-47
  chroot: 45,
  'link-up': 48, // rootless's
};

const OP_NAMES = new Map<number, StepOp>(Object.entries(OP_CODES).map(([k, v]) => [v, k as StepOp]));

/** The step op for a wire code, or 'setup' for failures before the walk. */
export function opName(code: number): StepOp | 'setup' {
  return OP_NAMES.get(code) ?? 'setup';
}

export const PLAN_MAGIC = 0x5049534e;
export const PLAN_VERSION = 1;

function invalid(message: string): NsinitError {
  return new NsinitError(`invalid plan: ${message}`, { code: 'ERR_NSINIT_INVALID_PLAN' });
}

class Writer {
  private buf = Buffer.alloc(4096);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw invalid(`${field} must be an integer in 0..4294967295, got ${String(v)}`);
    }
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  i32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw invalid(`${field} must be a 32-bit integer, got ${String(v)}`);
    }
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }

  u64(v: bigint, field: string): void {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) {
      throw invalid(`${field} must be a bigint in 0..2^64-1`);
    }
    this.reserve(8);
    this.buf.writeBigUInt64LE(v, this.length);
    this.length += 8;
  }

  i64(v: number, field: string, min = -1): void {
    if (!Number.isSafeInteger(v) || v < min)
      throw invalid(`${field} must be an integer >= ${min}, got ${String(v)}`);
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }

  bool(v: boolean, field: string): void {
    if (typeof v !== 'boolean') throw invalid(`${field} must be a boolean`);
    this.u32(v ? 1 : 0, field);
  }

  str(v: string, field: string): void {
    if (typeof v !== 'string') throw invalid(`${field} must be a string`);
    if (v.includes('\0')) throw invalid(`${field} contains a NUL byte`);
    const bytes = Buffer.from(v, 'utf8');
    this.u32(bytes.length, field);
    this.reserve(bytes.length + 1);
    bytes.copy(this.buf, this.length);
    this.buf[this.length + bytes.length] = 0;
    this.length += bytes.length + 1;
  }

  bytes(v: Uint8Array, field: string): void {
    if (!(v instanceof Uint8Array)) throw invalid(`${field} must be a Uint8Array`);
    this.u32(v.length, `${field}.length`);
    this.reserve(v.length);
    this.buf.set(v, this.length);
    this.length += v.length;
  }

  strv(v: readonly string[], field: string): void {
    if (!Array.isArray(v)) throw invalid(`${field} must be an array of strings`);
    this.u32(v.length, `${field}.length`);
    for (const [i, s] of v.entries()) this.str(s, `${field}[${i}]`);
  }

  patchU32(offset: number, v: number): void {
    this.buf.writeUInt32LE(v, offset);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function body(w: Writer, s: Step, f: string): void {
  switch (s.op) {
    case 'setns':
    case 'setns-early':
      w.i32(s.fd, `${f}.fd`);
      w.u32(s.nstype, `${f}.nstype`);
      return;
    case 'propagation':
    case 'unshare':
      w.u32(s.flags, `${f}.flags`);
      return;
    case 'rootfs':
      w.str(s.path, `${f}.path`);
      w.u32(s.flags, `${f}.flags`);
      return;
    case 'mount':
      w.str(s.source, `${f}.source`);
      w.str(s.target, `${f}.target`);
      w.str(s.fstype, `${f}.fstype`);
      w.u32(s.flags, `${f}.flags`);
      w.str(s.data, `${f}.data`);
      w.u32(s.mkdir, `${f}.mkdir`);
      w.bool(s.noSymlinks, `${f}.noSymlinks`);
      w.u32(s.propagation ?? 0, `${f}.propagation`);
      return;
    case 'bind':
      w.str(s.source, `${f}.source`);
      w.str(s.target, `${f}.target`);
      w.u32(s.flags, `${f}.flags`);
      w.bool(s.recursive, `${f}.recursive`);
      w.u32(s.propagation, `${f}.propagation`);
      return;
    case 'idmap-bind':
      w.i32(s.fd, `${f}.fd`);
      w.str(s.target, `${f}.target`);
      w.u32(s.propagation, `${f}.propagation`);
      return;
    case 'mknod':
      w.str(s.target, `${f}.target`);
      w.u32(s.mode, `${f}.mode`);
      w.u32(s.major, `${f}.major`);
      w.u32(s.minor, `${f}.minor`);
      return;
    case 'symlink':
      w.str(s.value, `${f}.value`);
      w.str(s.target, `${f}.target`);
      return;
    case 'mkdir':
      w.str(s.target, `${f}.target`);
      w.u32(s.mode, `${f}.mode`);
      return;
    case 'console':
      w.str(s.target, `${f}.target`);
      return;
    case 'pivot-root':
    case 'move-root':
    case 'chroot':
    case 'no-new-privs':
      return;
    case 'close-fds':
      w.u32(s.keep ?? 0, `${f}.keep`);
      return;
    case 'seccomp':
      w.u32(s.flags, `${f}.flags`);
      w.bytes(s.program, `${f}.program`);
      return;
    case 'await-start':
      w.i32(s.fd, `${f}.fd`);
      w.u32(s.keep ?? 0, `${f}.keep`);
      w.i32(s.hookFds?.[0] ?? -1, `${f}.hookFds[0]`);
      w.i32(s.hookFds?.[1] ?? -1, `${f}.hookFds[1]`);
      return;
    case 'hook':
      w.str(s.path, `${f}.path`);
      w.strv(s.argv, `${f}.argv`);
      w.strv(s.envp, `${f}.envp`);
      w.i32(s.stdin, `${f}.stdin`);
      w.i32(s.output, `${f}.output`);
      w.u32(s.timeoutMs, `${f}.timeoutMs`);
      return;
    case 'readonly':
      w.str(s.target, `${f}.target`);
      w.u32(s.flags, `${f}.flags`);
      w.bool(s.recursive, `${f}.recursive`);
      w.bool(s.optional, `${f}.optional`);
      return;
    case 'mask':
      w.str(s.target, `${f}.target`);
      w.bool(s.optional, `${f}.optional`);
      return;
    case 'hostname':
    case 'domainname':
      w.str(s.name, `${f}.name`);
      return;
    case 'chown':
      w.str(s.target, `${f}.target`);
      w.u32(s.uid === -1 ? 0xffffffff : s.uid, `${f}.uid`);
      w.u32(s.gid === -1 ? 0xffffffff : s.gid, `${f}.gid`);
      return;
    case 'sysctl':
      w.str(s.key, `${f}.key`);
      w.str(s.value, `${f}.value`);
      return;
    case 'timens':
      w.str(s.offsets, `${f}.offsets`);
      return;
    case 'link-up':
      w.str(s.name, `${f}.name`);
      w.u32(s.mtu, `${f}.mtu`);
      return;
    case 'lsm-label':
      w.str(s.attr, `${f}.attr`);
      w.str(s.value, `${f}.value`);
      return;
    case 'personality':
      w.u32(s.persona, `${f}.persona`);
      return;
    case 'rlimit':
      w.i32(s.resource, `${f}.resource`);
      w.i64(s.soft, `${f}.soft`);
      w.i64(s.hard, `${f}.hard`, -2);
      return;
    case 'umask':
      w.u32(s.mask, `${f}.mask`);
      return;
    case 'identity':
      w.u32(s.uid, `${f}.uid`);
      w.u32(s.gid, `${f}.gid`);
      if (!Array.isArray(s.groups)) throw invalid(`${f}.groups must be an array of numbers`);
      w.u32(s.groups.length, `${f}.groups.length`);
      for (const [i, g] of s.groups.entries()) w.u32(g, `${f}.groups[${i}]`);
      w.bool(s.keepGroups ?? false, `${f}.keepGroups`);
      return;
    case 'userns-root':
      w.bool(s.setgroups, `${f}.setgroups`);
      return;
    case 'open-tree':
      w.str(s.source, `${f}.source`);
      w.bool(s.recursive, `${f}.recursive`);
      w.u32(s.slot, `${f}.slot`);
      return;
    case 'attach-tree':
      w.u32(s.slot, `${f}.slot`);
      w.str(s.target, `${f}.target`);
      w.u32(s.flags, `${f}.flags`);
      w.bool(s.recursive, `${f}.recursive`);
      w.u32(s.propagation, `${f}.propagation`);
      return;
    case 'caps':
      w.u64(s.bounding, `${f}.bounding`);
      w.u64(s.effective, `${f}.effective`);
      w.u64(s.permitted, `${f}.permitted`);
      w.u64(s.inheritable, `${f}.inheritable`);
      w.u64(s.ambient, `${f}.ambient`);
      return;
    case 'chdir':
      w.str(s.path, `${f}.path`);
      return;
    case 'session':
      w.bool(s.ctty, `${f}.ctty`);
      return;
    case 'pdeathsig':
      w.i32(s.signal, `${f}.signal`);
      return;
    case 'dumpable':
      w.bool(s.on, `${f}.on`);
      return;
    case 'exec':
      w.strv(s.candidates, `${f}.candidates`);
      w.strv(s.argv, `${f}.argv`);
      w.strv(s.envp, `${f}.envp`);
      return;
    default:
      throw invalid(`${f}.op ${JSON.stringify((s as { op: unknown }).op)} is not a step kind`);
  }
}

/** Encode a plan for `spawn`/`join`. Throws ERR_NSINIT_INVALID_PLAN naming the bad field; the C
 *  decoder re-validates everything (paths, flags, limits, step order). */
export function encodePlan(plan: Plan): Buffer {
  const w = new Writer();
  if (!Array.isArray(plan.steps)) throw invalid('steps must be an array');
  if (!Array.isArray(plan.stdio) || plan.stdio.length !== 3) throw invalid('stdio must be [fd, fd, fd]');
  w.u32(PLAN_MAGIC, 'magic');
  w.u32(PLAN_VERSION, 'version');
  w.u32(0, 'length');
  w.u32(plan.steps.length, 'steps.length');
  if (!Number.isInteger(plan.cloneFlags) || plan.cloneFlags < 0) {
    throw invalid(`cloneFlags must be a non-negative integer, got ${String(plan.cloneFlags)}`);
  }
  w.u64(BigInt(plan.cloneFlags), 'cloneFlags');
  for (const [i, fd] of plan.stdio.entries()) w.i32(fd, `stdio[${i}]`);
  w.i32(plan.consoleFd, 'consoleFd');
  plan.steps.forEach((step, i) => {
    const f = `steps[${i}]`;
    const code = OP_CODES[step?.op];
    if (code === undefined) throw invalid(`${f}.op ${JSON.stringify(step?.op)} is not a step kind`);
    w.u32(code, `${f}.op`);
    const lenAt = w.length;
    w.u32(0, `${f}.length`);
    body(w, step, f);
    w.patchU32(lenAt, w.length - lenAt - 4);
  });
  w.patchU32(8, w.length);
  return w.result();
}
