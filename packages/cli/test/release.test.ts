// The release flow on a scratch clone of this checkout's HEAD: `changeset version` consumes the
// pending changesets into a changelog file (created by that command) and a version bump for each package they name, keeps the
// workspace's internal dependencies consistent, and the config publishes the scoped packages
// publicly (npm publishes a scoped package as restricted unless told otherwise).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
/** The changelog `changeset version` writes into each released package (none is committed). */
const CHANGELOG = 'CHANGELOG.md';
/** The changeset this test adds to the scratch clone (and `changeset version` consumes). */
const TEST_CHANGESET = 'release-test.md';
const PUBLISHED = ['config', 'native', 'runtime', 'cli'];
let clone: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=release-test', '-c', 'user.email=release-test@invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const manifest = (dir: string, pkg: string) =>
  JSON.parse(readFileSync(join(dir, 'packages', pkg, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    private?: boolean;
  };

/** The packages the pending changesets of `dir` name (frontmatter lines `"@nsinit/x": minor`). */
function named(dir: string): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(join(dir, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  )) {
    const front = readFileSync(join(dir, '.changeset', f), 'utf8').split('---')[1] ?? '';
    for (const m of front.matchAll(/"(@nsinit\/[\w-]+)":\s*(major|minor|patch)/g)) out.add(m[1]!);
  }
  return out;
}

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'nsinit-release-'));
  git(repo, 'clone', '--quiet', '--no-hardlinks', repo, clone);
}, 60_000);

afterAll(() => {
  if (clone) rmSync(clone, { recursive: true, force: true });
});

describe('changeset version', () => {
  it('turns the pending changesets into per-package changelogs and versions', () => {
    // One changeset of our own, so there is something to release right after a release too.
    writeFileSync(
      join(clone, '.changeset', TEST_CHANGESET),
      '---\n"@nsinit/config": patch\n---\n\nA test entry.\n',
    );
    const pending = named(clone);
    expect(pending.has('@nsinit/config')).toBe(true);
    const before = Object.fromEntries(PUBLISHED.map((p) => [p, manifest(clone, p).version]));
    // The workspace's own changesets CLI, run in the clone (it reads the workspace from cwd).
    execFileSync(process.execPath, [join(repo, 'node_modules/@changesets/cli/bin.js'), 'version'], {
      cwd: clone,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(readdirSync(join(clone, '.changeset')).filter((f) => f.endsWith('.md'))).toEqual(['README.md']);
    for (const p of PUBLISHED) {
      const m = manifest(clone, p);
      if (!pending.has(m.name)) continue;
      expect([m.name, m.version]).not.toEqual([m.name, before[p]]);
      const log = readFileSync(join(clone, 'packages', p, CHANGELOG), 'utf8');
      expect(log.startsWith(`# ${m.name}\n\n## ${m.version}\n`)).toBe(true);
    }
    // Changes from git: only package.json versions, the new changelogs and the consumed changesets.
    const changed = git(clone, 'status', '--porcelain', '--untracked-files=all')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    expect(
      changed.filter(
        (f) => !/^(packages\/[\w-]+\/(package\.json|CHANGELOG\.md)|\.changeset\/[\w-]+\.md)$/.test(f),
      ),
    ).toEqual([]);
    expect(existsSync(join(clone, 'packages', 'cli', CHANGELOG))).toBe(pending.has('@nsinit/cli'));
  });

  it('publishes the scoped packages publicly', () => {
    const config = JSON.parse(readFileSync(join(repo, '.changeset/config.json'), 'utf8'));
    expect(config.access).toBe('public');
    for (const p of PUBLISHED) expect(manifest(repo, p).private).toBeUndefined();
  });
});
