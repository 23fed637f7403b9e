// The parent-death signal has no window after the uid switch: a supervisor that dies right after
// the child's setresuid(2) returns (when the kernel has just cleared the signal) still takes the
// child with it. A ptrace(2) helper holds the child at exactly that point while the supervisor is
// killed; for a started child in a new PID namespace (getppid() reads 0 there) and a joined one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native, type Plan } from '../lib/index.js';
import { C, isRoot } from './helpers/plan.js';

const helperSource = fileURLToPath(new URL('./fixtures/stop-after-setresuid.c', import.meta.url));
const supervisor = fileURLToPath(new URL('./fixtures/supervise-until-line.mjs', import.meta.url));

let dir = '';
let helper = '';
beforeAll(() => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), 'nsinit-pdeathsig-'));
  helper = join(dir, 'stop-after-setresuid');
  execFileSync('cc', ['-O1', '-o', helper, helperSource]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Gone or a zombie. */
function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function diesWithin(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    if (dead(pid)) return true;
  }
  return false;
}

function lines(proc: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
}

async function next(it: AsyncIterator<string>): Promise<string> {
  const r = await it.next();
  if (r.done) throw new Error('process ended early');
  return r.value;
}

const exited = (proc: ChildProcess) =>
  proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

describe.each([
  ['started in a new PID namespace', 'spawn', C.CLONE_NEWPID],
  ['joined', 'join', 0],
])('a child %s', (_name, mode, cloneFlags) => {
  it('dies when its supervisor dies right after setresuid cleared the signal', async (ctx) => {
    if (!isRoot) ctx.skip('needs root (ptrace, setresuid)');
    const plan: Plan = {
      cloneFlags,
      stdio: [-1, -1, -1],
      consoleFd: -1,
      steps: [
        { op: 'identity', uid: 1000, gid: 1000, groups: [] },
        { op: 'close-fds' },
        { op: 'pdeathsig', signal: C.SIGKILL },
        { op: 'exec', candidates: ['/bin/sleep'], argv: ['sleep', '1000'], envp: [] },
      ],
    };
    const sup = spawn(process.execPath, [supervisor, mode, JSON.stringify(plan)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let pid = 0;
    let stopper: ChildProcess | null = null;
    try {
      pid = JSON.parse(await next(lines(sup))).pid;
      stopper = spawn(helper, [String(pid)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const said = lines(stopper);
      expect(await next(said)).toBe('attached');
      sup.stdin!.write('go\n');
      expect(await next(said)).toBe('stopped');
      // The supervisor dies while the child's parent-death signal is off.
      sup.kill('SIGKILL');
      await exited(sup);
      stopper.stdin!.write('detach\n');
      await exited(stopper);
      expect(stopper.exitCode).toBe(0);
      // Without the re-arm and check in the identity step, the child would exec and live on.
      expect(await diesWithin(pid, 5000)).toBe(true);
    } finally {
      stopper?.kill('SIGKILL');
      sup.kill('SIGKILL');
      if (pid && !dead(pid)) {
        const fd = native.pidfdOpen(pid);
        native.pidfdSignal(fd, C.SIGKILL);
        native.close(fd);
        await diesWithin(pid, 5000);
      }
    }
  });
});
