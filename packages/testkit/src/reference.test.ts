import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REFERENCE_MISSING, referenceCandidates, referenceFile, repoRoot, SAMPLE_NAME } from './reference.js';

const saved = process.env.NSINIT_REFERENCE_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.NSINIT_REFERENCE_DIR;
  else process.env.NSINIT_REFERENCE_DIR = saved;
});

describe('the reference data beside the repository', () => {
  it('is looked for in ../shared/reference of this checkout first', () => {
    delete process.env.NSINIT_REFERENCE_DIR;
    expect(referenceCandidates()[0]).toBe(join(repoRoot(), '../shared/reference'));
  });

  it('NSINIT_REFERENCE_DIR overrides; a missing file is null, and the skip reason says where it lives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-ref-'));
    try {
      process.env.NSINIT_REFERENCE_DIR = dir;
      expect(referenceFile()).toBeNull();
      writeFileSync(join(dir, SAMPLE_NAME), '{}');
      expect(referenceFile()).toBe(join(dir, SAMPLE_NAME));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(REFERENCE_MISSING).toBe(
      '../shared/reference not found: the 2014 sample lives beside the repository, not in it',
    );
  });
});
