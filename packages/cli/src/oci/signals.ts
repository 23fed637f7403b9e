// Signal arguments as runc takes them (`kill ID [SIGNAL]`): a name with or without SIG
// (TERM, SIGTERM, sigkill), or a number; signal(7) numbers from Node's table of this platform.
import { constants } from 'node:os';
import { OciUsageError } from './args.js';

export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const n = (constants.signals as Record<string, number>)[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw new OciUsageError(`unknown signal "${text}"`);
}
