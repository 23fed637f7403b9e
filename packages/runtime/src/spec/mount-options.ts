// runc's mount options (mount(8) names) → the model's MS_* flag names, propagation and
// filesystem data. Per-mount flags (ro, nosuid, nodev, noexec, atime modes, nosymfollow) are set
// on the mount with mount_setattr(2), so a read-only bind keeps the source's other locked flags.
// Superblock options (sync, dirsync, lazytime, mand, ...) and unknown ones go to the filesystem
// as data, as runc passes them. The r* forms (rro, rnosuid, ...) mean the same here: attributes
// of a bind are applied to every mount of the copied tree.
const SET: Readonly<Record<string, string>> = {
  ro: 'MS_RDONLY',
  nosuid: 'MS_NOSUID',
  nodev: 'MS_NODEV',
  noexec: 'MS_NOEXEC',
  noatime: 'MS_NOATIME',
  nodiratime: 'MS_NODIRATIME',
  relatime: 'MS_RELATIME',
  strictatime: 'MS_STRICTATIME',
  nosymfollow: 'MS_NOSYMFOLLOW',
};

/** Options that clear a flag set earlier in the list (the later option wins, as in runc). */
const CLEAR: Readonly<Record<string, string>> = {
  rw: 'MS_RDONLY',
  suid: 'MS_NOSUID',
  dev: 'MS_NODEV',
  exec: 'MS_NOEXEC',
  atime: 'MS_NOATIME',
  diratime: 'MS_NODIRATIME',
  norelatime: 'MS_RELATIME',
  nostrictatime: 'MS_STRICTATIME',
  symfollow: 'MS_NOSYMFOLLOW',
};

const ATIME = ['MS_NOATIME', 'MS_RELATIME', 'MS_STRICTATIME'];

const PROPAGATION: Readonly<Record<string, readonly string[]>> = {
  private: ['MS_PRIVATE'],
  rprivate: ['MS_REC', 'MS_PRIVATE'],
  shared: ['MS_SHARED'],
  rshared: ['MS_REC', 'MS_SHARED'],
  slave: ['MS_SLAVE'],
  rslave: ['MS_REC', 'MS_SLAVE'],
  unbindable: ['MS_UNBINDABLE'],
  runbindable: ['MS_REC', 'MS_UNBINDABLE'],
};

/** mount(8) options naming the default state: nothing to do. */
const NOOP = new Set(['', 'defaults', 'async', 'loud', 'noiversion', 'nolazytime', 'nomand', 'noacl']);

export interface ParsedOptions {
  bind: boolean;
  recursive: boolean;
  flags: string[];
  propagation: string[];
  data: string[];
  /** "remount": change the flags of what is already mounted at the destination. */
  remount: boolean;
  /** JSON pointer of a "tmpcopyup" option (runc: the tmpfs starts with the image's files). */
  copyUp?: string;
  /** "idmap" (only the top mount of the bind is idmapped) or "ridmap" (every mount below too):
   *  never passed to the kernel as an option (the runtime-spec's SHOULD NOT). */
  idmap?: { recursive: boolean; at: string };
}

export function parseMountOptions(options: readonly string[], field: string): ParsedOptions {
  const flags = new Set<string>();
  const out: ParsedOptions = {
    bind: false,
    recursive: false,
    flags: [],
    propagation: [],
    data: [],
    remount: false,
  };
  options.forEach((raw, i) => {
    const where = `${field}/${i}`;
    if (raw === 'idmap' || raw === 'ridmap') {
      out.idmap = { recursive: raw === 'ridmap', at: where };
      return;
    }
    const opt =
      raw.startsWith('r') &&
      !(raw in SET) &&
      !(raw in CLEAR) &&
      !(raw in PROPAGATION) &&
      raw !== 'rbind' &&
      raw !== 'remount'
        ? recursiveAttr(raw)
        : raw;
    if (opt === 'bind' || opt === 'rbind') {
      out.bind = true;
      out.recursive ||= opt === 'rbind';
    } else if (opt === 'remount') {
      out.remount = true;
    } else if (opt === 'tmpcopyup') {
      out.copyUp = where;
    } else if (NOOP.has(opt)) {
      // mount(8)'s "defaults" (rw, suid, dev, exec, async) and the other default states.
    } else if (opt in SET) {
      const name = SET[opt]!;
      if (ATIME.includes(name)) for (const a of ATIME) flags.delete(a);
      flags.add(name);
    } else if (opt in CLEAR) {
      flags.delete(CLEAR[opt]!);
    } else if (opt in PROPAGATION) {
      out.propagation = [...PROPAGATION[opt]!];
    } else {
      out.data.push(raw);
    }
  });
  out.flags = [...flags].sort();
  // A bind has no filesystem to pass data to: runc ignores mode=, size= and the like there (the
  // conformance suite's bind mounts carry them), and so do we; the flags above still apply.
  if (out.bind) out.data = [];
  return out;
}

/** "rro" → "ro", "rnosuid" → "nosuid": the recursive attribute forms of runc 1.1. */
function recursiveAttr(raw: string): string {
  const base = raw.slice(1);
  return base in SET || base in CLEAR ? base : raw;
}
