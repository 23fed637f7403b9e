import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkState, removeState, writeState } from './state.js';

describe('pid and start files', () => {
  let dir: string;
  const times = new Map<number, string>([[42, '777']]);
  const native = { startTime: (pid: number) => times.get(pid) ?? null };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the 2014 format: decimal pid without newline, start in its own file', async () => {
    await writeState(dir, { pid: 42, start: '777' });
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe('42');
    expect(readFileSync(join(dir, 'start'), 'utf8')).toBe('777');
    expect(readdirSync(dir).sort()).toEqual(['pid', 'start']); // no temp files left
  });

  it('is live only while the pid has the same start time', async () => {
    expect(await checkState(native, dir)).toEqual({ kind: 'none' });
    await writeState(dir, { pid: 42, start: '777' });
    expect(await checkState(native, dir)).toEqual({ kind: 'live', state: { pid: 42, start: '777' } });
    await writeState(dir, { pid: 42, start: '778' });
    expect(await checkState(native, dir)).toMatchObject({
      kind: 'stale',
      reason: expect.stringMatching(/pid reused/),
    });
    await writeState(dir, { pid: 43, start: '1' });
    expect(await checkState(native, dir)).toMatchObject({ kind: 'stale', reason: 'process 43 is gone' });
  });

  it('treats garbage and half-written pairs as stale', async () => {
    writeFileSync(join(dir, 'pid'), 'abc');
    expect((await checkState(native, dir)).kind).toBe('stale');
    writeFileSync(join(dir, 'pid'), '42');
    expect(await checkState(native, dir)).toMatchObject({
      kind: 'stale',
      reason: 'pid 42 has no start file',
    });
    rmSync(join(dir, 'pid'));
    writeFileSync(join(dir, 'start'), '1');
    expect((await checkState(native, dir)).kind).toBe('stale');
  });

  it('removes only its own pid files when asked to', async () => {
    await writeState(dir, { pid: 42, start: '777' });
    await removeState(dir, 41);
    expect(existsSync(join(dir, 'pid'))).toBe(true);
    await removeState(dir, 42);
    expect(readdirSync(dir)).toEqual([]);
    await removeState(dir); // idempotent
  });
});
