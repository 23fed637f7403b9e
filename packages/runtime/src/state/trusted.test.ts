// The trusted state against the real flock(2) (the addon's tryLock) in a temporary root: keyed by
// device and inode, not the path; a lifetime lock held is a live supervisor, a free one a dead
// one; an idle directory is removed with its lock file.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '@nsinit/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataFileProblems, prepareDataFiles, removeDataFiles, writeDataFiles } from './data-files.js';
import { TrustedState } from './trusted.js';

let root: string;
let data: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nsinit-trusted-'));
  data = mkdtempSync(join(tmpdir(), 'nsinit-data-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

const record = (id: string) => ({
  id,
  pid: 123,
  start: '456',
  supervisor: { pid: process.pid },
  rootfs: data,
  dataDir: data,
  config: {} as never,
  cgroup: null,
  hostInterfaces: [],
});

describe('TrustedState', () => {
  it('is keyed by the data directory device and inode, and follows it across a rename', () => {
    const st = statSync(data);
    const state = TrustedState.of(data, root);
    expect(state.dir).toBe(join(root, `${st.dev}-${st.ino}`));
    const moved = `${data}-moved`;
    renameSync(data, moved);
    try {
      expect(TrustedState.of(moved, root).dir).toBe(state.dir);
    } finally {
      renameSync(moved, data);
    }
  });

  it('tells a live supervisor from a dead one by its lifetime lock', async () => {
    const state = TrustedState.of(data, root);
    const lock = await state.lock(native, 1000);
    expect(statSync(state.dir).mode & 0o777).toBe(0o700);
    await state.writeInstance(record('abc'));
    const held = await state.holdSupervisor(native, 'abc');
    expect(state.supervisorAlive(native, 'abc')).toBe(true);
    held.release();
    expect(state.supervisorAlive(native, 'abc')).toBe(false);
    await state.removeSupervisor('abc');
    await state.removeInstance('other'); // not ours: stays
    expect(state.readInstance()?.id).toBe('abc');
    await state.removeInstance('abc');
    await state.removeIfIdle();
    lock.release();
    expect(existsSync(state.dir)).toBe(false);
  });

  it('refuses a planted instance file that is not a regular file', async () => {
    const state = TrustedState.of(data, root);
    mkdirSync(state.dir, { recursive: true });
    execFileSync('mkfifo', [join(state.dir, 'instance.json')]);
    expect(() => state.readInstance()).toThrow(/instance.json: not a regular file \(fifo\)/);
  });
});

describe('the 2014 data files', () => {
  it('are replaced by empty regular files, written in place, and compared with the record', async () => {
    execFileSync('mkfifo', [join(data, 'pid')]);
    writeFileSync(join(data, 'start'), 'x'.repeat(100));
    expect(dataFileProblems(data, null)).toEqual([
      `${join(data, 'pid')}: not a regular file (fifo); ignoring it`,
      `${join(data, 'start')}: larger than 32 bytes; ignoring it`,
    ]);
    await prepareDataFiles(data);
    const inode = statSync(join(data, 'pid')).ino;
    expect(dataFileProblems(data, null)).toEqual([]); // empty: a start not yet filled in
    await writeDataFiles(data, { pid: 123, start: '456' });
    expect(statSync(join(data, 'pid')).ino).toBe(inode); // in place: a mask on it stays
    expect(dataFileProblems(data, { pid: 123, start: '456' })).toEqual([]);
    expect(dataFileProblems(data, { pid: 124, start: '456' })).toEqual([
      `${join(data, 'pid')} was changed (the container's is 124); ignoring it`,
    ]);
    await removeDataFiles(data);
    expect(readdirSync(data)).toEqual([]);
  });
});
