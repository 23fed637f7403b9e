// SCMP_ACT_NOTIFY: the container's init loads its filter with SECCOMP_FILTER_FLAG_NEW_LISTENER and
// sends the listener fd to us on the sync socket (seccomp_unotify(2)); we connect to the profile's
// listenerPath (an AF_UNIX stream socket) and send, in one sendmsg(2), the container process
// state as JSON with the fd attached (SCM_RIGHTS), then close the connection: the runtime-spec's
// config-linux document, "The Container Process State". One state per connection.
import type { NativeBindings } from '@nsinit/native';
import { ErrorCodes, nsinitError } from '../errors.js';
import type { SeccompSpec } from './seccomp.js';

/** The container's state as the OCI state document has it (runtime-spec runtime document). */
export interface ListenerState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
  bundle: string;
  annotations?: Readonly<Record<string, string>>;
}

/** The container process state sent with the fd. */
export function processState(state: ListenerState, metadata: string | undefined) {
  return {
    ociVersion: state.ociVersion,
    fds: ['seccompFd'],
    pid: state.pid,
    ...(metadata === undefined ? {} : { metadata }),
    state: { ...state, annotations: { ...(state.annotations ?? {}) } },
  };
}

/** awaitExec's onListener for a spec whose filter notifies (undefined otherwise). `field` names
 *  listenerPath in the user's config for the error when the agent cannot be reached. */
export function listenerHandoff(
  native: Pick<NativeBindings, 'sendFd'>,
  seccomp: SeccompSpec | undefined,
  state: () => ListenerState,
  field: string,
): ((fd: number) => void) | undefined {
  const listener = seccomp?.listener;
  if (!listener) return undefined;
  return (fd) => {
    const message = JSON.stringify(processState(state(), listener.metadata));
    try {
      native.sendFd(listener.path, fd, message);
    } catch (err) {
      throw nsinitError(
        ErrorCodes.START_FAILED,
        `cannot send the seccomp listener to ${field} '${listener.path}': ${(err as Error).message}`,
        { cause: err, path: listener.path },
      );
    }
  };
}
