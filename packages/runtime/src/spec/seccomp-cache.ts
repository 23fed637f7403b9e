// Compiled syscall filters, reused: libseccomp takes milliseconds for a profile of a few hundred
// rules (the default one: ~5 ms on this machine, bench case `seccomp`), more than the rest of the
// plan. A program is a pure function of the normalized filter and the native architecture, so it is
// kept per process (bounded), and the default profile's is compiled once at build time
// (write-default-filter.ts → dist/default-seccomp.json) and used when the filter is exactly it.
import { readFileSync } from 'node:fs';
import {
  compileSeccompProgram,
  type OciSeccompInput,
  type SeccompCompiler,
  type SeccompSpec,
  seccompFromOci,
} from './seccomp.js';

const MAX_CACHED = 16;
const cache = new Map<string, Uint8Array>();

/** What determines the program: every field but the listener (the fd is not in the filter). The
 *  canonical text itself, not a hash of it: node:crypto costs a cold CLI start ~2 ms to load. */
export function filterKey(spec: SeccompSpec): string {
  return JSON.stringify({
    arch: process.arch,
    defaultAction: spec.defaultAction,
    architectures: spec.architectures,
    rules: spec.rules.map((r) => ({
      names: r.names,
      action: r.action,
      args: r.args.map((a) => a.map((v) => String(v))),
    })),
  });
}

interface Precompiled {
  key: string;
  program: string;
}

let precompiled: Precompiled | null | undefined;

/** The build's default-profile program, or null when the build wrote none. */
function loadPrecompiled(): Precompiled | null {
  if (precompiled !== undefined) return precompiled;
  precompiled = null;
  // dist/spec/seccomp-cache.js → dist/default-seccomp.json; in the CLI's bundle (one file in its
  // dist/), beside it.
  for (const rel of ['../default-seccomp.json', './default-seccomp.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as Precompiled;
      if (typeof p.key === 'string' && typeof p.program === 'string') {
        precompiled = p;
        return p;
      }
    } catch {
      // not built here
    }
  }
  return precompiled;
}

/** The program for `spec`: precompiled, cached, or compiled now (and cached). */
export function cachedSeccompProgram(
  spec: SeccompSpec,
  compile: SeccompCompiler,
  field: string,
  opts: { cache?: boolean } = {},
): Uint8Array {
  if (opts.cache === false) return compileSeccompProgram(spec, compile, field);
  const key = filterKey(spec);
  const hit = cache.get(key);
  if (hit) return hit;
  const pre = loadPrecompiled();
  const program =
    pre && pre.key === key
      ? new Uint8Array(Buffer.from(pre.program, 'base64'))
      : compileSeccompProgram(spec, compile, field);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, program);
  return program;
}

/** An OCI-shaped filter (linux.seccomp, container.json seccomp) compiled as a container start
 *  compiles it; `cache: false` always runs libseccomp (the bench measures it so). */
export function compileSeccompFilter(
  input: OciSeccompInput,
  compile: SeccompCompiler,
  opts: { cache?: boolean } = {},
): { program: Uint8Array; flags: number } {
  const spec = seccompFromOci(input);
  return { program: cachedSeccompProgram(spec, compile, '/linux/seccomp', opts), flags: spec.flags };
}
