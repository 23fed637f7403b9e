// Where the 2014 reference data (libcontainer v1.0.1's sample container.json) is found. It is not
// part of the repository: it lives beside it, in ../shared/reference (CI checks it out there).
// NSINIT_REFERENCE_DIR overrides; a git worktree also looks beside its main checkout. No kernel
// facility; tests that need the data skip with REFERENCE_MISSING when it is absent.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLE_NAME = 'libcontainer-2014-sample-container.json';
export const REFERENCE_MISSING =
  '../shared/reference not found: the 2014 sample lives beside the repository, not in it';

/** The repository's top directory (the one holding pnpm-workspace.yaml). */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}

/** Checkouts whose sibling ../shared may hold the data: this one, and for a git worktree
 *  (.git is a file naming its gitdir) the main checkout it belongs to. */
function checkouts(root: string): string[] {
  const out = [root];
  try {
    const git = join(root, '.git');
    if (statSync(git).isFile()) {
      const m = /^gitdir: (.+)$/m.exec(readFileSync(git, 'utf8'));
      const gitdir = m ? resolve(root, m[1]!.trim()) : null;
      const common =
        gitdir && existsSync(join(gitdir, 'commondir'))
          ? resolve(gitdir, readFileSync(join(gitdir, 'commondir'), 'utf8').trim())
          : null;
      if (common) out.push(dirname(common));
    }
  } catch {
    /* not a git checkout (a tarball): only ../shared beside it */
  }
  return out;
}

/** Candidate reference directories, in the order they are tried. */
export function referenceCandidates(): string[] {
  const env = process.env.NSINIT_REFERENCE_DIR;
  if (env) return [isAbsolute(env) ? env : resolve(env)];
  return checkouts(repoRoot()).map((c) => resolve(c, '../shared/reference'));
}

/** The path of a reference file, or null when no candidate directory holds it. */
export function referenceFile(name: string = SAMPLE_NAME): string | null {
  for (const dir of referenceCandidates()) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The 2014 sample's text, or null when the reference data is absent. */
export function sampleText(): string | null {
  const path = referenceFile();
  return path === null ? null : readFileSync(path, 'utf8');
}
