// One cleanup path for starting and joining: every resource (pty, pipes, namespace fds, the
// cloned child, cgroups, links, the pid files) is pushed here the moment it is acquired and, on
// any failure, released in reverse order. Each release is attempted even when an earlier one
// throws, so one stuck resource (a pidfd the kernel refuses, a busy cgroup) never leaks the rest.

/** A resource on the stack: release it now (its error is the caller's), or hand it on. */
export interface Held {
  /** Release now and take it off the stack; throws what the release throws. */
  release(): Promise<void>;
  /** Take it off the stack without releasing it: someone else owns it now. */
  dismiss(): void;
}

interface Entry {
  what: string;
  fn: () => unknown;
}

export class Unwind {
  readonly #entries: Entry[] = [];

  /** Push `fn`, the release of `what` (named in the warning if the release fails). */
  push(what: string, fn: () => unknown): Held {
    const entry: Entry = { what, fn };
    this.#entries.push(entry);
    const remove = (): boolean => {
      const i = this.#entries.lastIndexOf(entry);
      if (i < 0) return false;
      this.#entries.splice(i, 1);
      return true;
    };
    return {
      release: async () => {
        if (remove()) await entry.fn();
      },
      dismiss: () => {
        remove();
      },
    };
  }

  /** Everything on the stack now belongs to someone else (the process handle's teardown). */
  commit(): void {
    this.#entries.length = 0;
  }

  /** Release everything still held, last acquired first. Never throws: a release that fails is
   *  reported through `onWarning` and the rest still run. */
  async unwind(onWarning: (message: string) => void): Promise<void> {
    while (this.#entries.length > 0) {
      const entry = this.#entries.pop()!;
      try {
        await entry.fn();
      } catch (err) {
        onWarning(`cleanup of ${entry.what}: ${(err as Error).message}`);
      }
    }
  }
}

/** Run `fn` once; later calls share the first call's promise (a child killed by whichever
 *  cleanup step needs it gone first). */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => {
    p ??= fn();
    return p;
  };
}
