// Seam between the container lifecycle and the network strategies (loopback, veth, netns) and
// routes, all configured from the parent over netlink sockets opened in the right namespace.
import type { ContainerConfig } from '@nsinit/config';
import type { NativeBindings } from '@nsinit/native';

export interface NetworkHandle {
  /** Host-side names created (e.g. the host veth), for status output and leak checks. */
  readonly hostInterfaces: readonly string[];
  /** Remove what the kernel does not remove by itself; safe to call twice. */
  teardown(): Promise<void>;
}

/** Configure the container's network namespace from the parent while the child waits for GO.
 *  `pidfd`/`pid` name the child. On failure nothing created here remains. */
export async function setupNetworks(
  _native: NativeBindings,
  _config: ContainerConfig,
  _child: { pid: number; pidfd: number },
): Promise<NetworkHandle> {
  throw new Error('setupNetworks: not built yet (issue 6)');
}
