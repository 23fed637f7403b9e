// argv[0] lookup for execve(2) inside the container, as execvp(3) does it but resolved ahead of
// time: the parent cannot see the container's final mount tree, so it expands the candidates and
// the C child tries each in order (ENOENT/ENOTDIR/EACCES move on, like execvp's PATH walk).
import { posix } from 'node:path';

/** The PATH execvp uses when the environment has none (glibc's _CS_PATH plus /usr/local, as runc). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Value of `name` in a `K=V` environment list (the last one wins, as getenv on a built envp). */
export function envValue(envp: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  const prefix = `${name}=`;
  for (const entry of envp) if (entry.startsWith(prefix)) found = entry.slice(prefix.length);
  return found;
}

/** Absolute container paths to try for `command`. A name containing '/' is used as is (made
 *  absolute against the working directory); otherwise every PATH element is tried in order, an
 *  empty element meaning the working directory. */
export function execCandidates(command: string, envp: readonly string[], workingDir = '/'): string[] {
  if (command === '') return [];
  const cwd = posix.resolve('/', workingDir || '/');
  if (command.includes('/')) return [posix.resolve(cwd, command)];
  const path = envValue(envp, 'PATH') ?? DEFAULT_PATH;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of path.split(':')) {
    const candidate = posix.resolve(cwd, dir === '' ? '.' : dir, command);
    if (!seen.has(candidate)) {
      seen.add(candidate);
      out.push(candidate);
    }
  }
  return out;
}
