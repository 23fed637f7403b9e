// Is the process a record names still that process? pid + start time from /proc/<pid>/stat
// (proc(5): field 3 state, field 22 starttime), read after the last ')' since comm may hold
// spaces and parentheses. A zombie is stopped: it runs nothing, only its parent can reap it.
import { readFileSync } from 'node:fs';

export type Liveness = 'alive' | 'stopped';

export function liveness(pid: number, start: string): Liveness {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 'stopped';
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  if (startTicks !== start) return 'stopped'; // the pid was reused
  return state === 'Z' || state === 'X' ? 'stopped' : 'alive';
}

export async function waitStopped(pid: number, start: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  while (liveness(pid, start) === 'alive') {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
  return true;
}
