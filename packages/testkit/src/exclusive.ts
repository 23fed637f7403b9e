// A machine-wide lock that serialises leak-checked tests across vitest workers and packages:
// mounts, cgroup directories and links are host-global, so one test file's live container would
// otherwise look like another file's leak. The lock is a file created with O_EXCL holding the
// owner's pid; a lock whose owner is gone (kill(pid, 0) → ESRCH) is stale and taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_PATH = join(tmpdir(), 'nsinit-testkit-leakcheck.lock');

function ownerAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // ours from an earlier, interrupted test: take it back
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryTake(): boolean {
  try {
    const fd = openSync(LOCK_PATH, 'wx', 0o644);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let owner = 0;
  try {
    owner = Number(readFileSync(LOCK_PATH, 'utf8'));
  } catch {
    return false; // released between open and read; the next poll takes it
  }
  // An empty file is a taker between open and write; wait for it rather than steal it.
  if (owner === 0 || ownerAlive(owner)) return false;
  try {
    unlinkSync(LOCK_PATH);
  } catch {
    /* another waiter removed it first */
  }
  return false;
}

/** Waits up to `timeoutMs` for the lock; returns a release function, or null if it timed out. */
export async function acquireHostLock(timeoutMs: number): Promise<(() => void) | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryTake()) {
      return () => {
        try {
          if (Number(readFileSync(LOCK_PATH, 'utf8')) === process.pid) unlinkSync(LOCK_PATH);
        } catch {
          /* already gone */
        }
      };
    }
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 25));
  }
}
