// runc's command-line grammar (urfave/cli v1, as containerd's go-runc and podman's conmon use
// it): flags come before positional arguments and parsing stops at the first non-flag (so
// `exec ID sh -c ...` passes the command through); `-flag` and `--flag` are the same; values as
// `--flag value` or `--flag=value`; booleans also as `--flag=true|false`.
export interface FlagSpec {
  name: string;
  aliases?: string[];
  /** 'bool', a single 'string', or 'list' (repeatable). */
  kind: 'bool' | 'string' | 'list';
  value?: string;
  description: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export class OciUsageError extends Error {}

export function parseFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
): { flags: FlagValues; rest: string[] } {
  const flags: FlagValues = {};
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of [s.name, ...(s.aliases ?? [])]) byName.set(n, s);
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new OciUsageError(`flag provided but not defined: -${name}`);
    let value: string | undefined = eq < 0 ? undefined : body.slice(eq + 1);
    if (spec.kind === 'bool') {
      if (value !== undefined && value !== 'true' && value !== 'false')
        throw new OciUsageError(`invalid boolean value "${value}" for -${name}`);
      flags[spec.name] = value !== 'false';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new OciUsageError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    if (spec.kind === 'list') flags[spec.name] = [...((flags[spec.name] as string[]) ?? []), value];
    else flags[spec.name] = value;
  }
  return { flags, rest: argv.slice(i) };
}

export function str(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function list(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

export function nonNegativeInt(flags: FlagValues, name: string): number {
  const v = str(flags, name);
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v) || Number(v) > 65536)
    throw new OciUsageError(`invalid value "${v}" for flag -${name}: not a number of fds`);
  return Number(v);
}

export function flagHelp(specs: readonly FlagSpec[]): string[] {
  const rows = specs.map((s) => {
    const names = [s.name, ...(s.aliases ?? [])].map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ');
    return [`${names}${s.value ? ` ${s.value}` : ''}`, s.description] as const;
  });
  const width = Math.max(0, ...rows.map(([n]) => n.length));
  return rows.map(([n, d]) => `   ${n.padEnd(width)}  ${d}`);
}
