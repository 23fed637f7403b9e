// Signal forwarding (signal(7)): signals sent to the supervisor go to the container process via
// its pidfd (pidfd_send_signal(2)), so a recycled pid is never signalled. One process-wide
// listener per signal serves every supervised container; installing a listener also replaces
// Node's default action (exit on SIGINT/SIGTERM), which is what forwarding means.

/** The signals the CLI forwards (the terminal ones plus the user-defined pair). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
];

type Target = (signal: NodeJS.Signals) => void;
const targets = new Map<NodeJS.Signals, Set<Target>>();
const dispatchers = new Map<NodeJS.Signals, () => void>();

/** Forward `signals` to `target` until the returned function is called. */
export function forwardSignals(
  target: Target,
  signals: readonly NodeJS.Signals[] = FORWARDED_SIGNALS,
): () => void {
  for (const signal of signals) {
    let set = targets.get(signal);
    if (!set) {
      set = new Set();
      targets.set(signal, set);
      const listeners = set;
      const dispatch = () => {
        for (const t of [...listeners]) t(signal);
      };
      dispatchers.set(signal, dispatch);
      process.on(signal, dispatch);
    }
    set.add(target);
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const signal of signals) {
      const set = targets.get(signal);
      if (!set) continue;
      set.delete(target);
      if (set.size === 0) {
        process.off(signal, dispatchers.get(signal)!);
        dispatchers.delete(signal);
        targets.delete(signal);
      }
    }
  };
}
