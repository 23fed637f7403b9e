// Seam between the container lifecycle and the network strategies (loopback, veth, netns) and
// routes, all configured from the parent over netlink sockets opened in the right namespace.
import type { ContainerConfig } from '@nsinit/config';
import type { NativeBindings } from '@nsinit/native';
import { NsinitError } from '@nsinit/native';
import { deleteLink } from './link.js';
import { NetlinkSocket } from './netlink.js';
import { applyNetworks, checkNetworks, type NetworkConfig } from './strategies.js';

export { CONTAINER_IFNAME, checkNetworks, type NetworkConfig, netnsPath } from './strategies.js';

export interface NetworkHandle {
  /** Host-side names created (e.g. the host veth), for status output and leak checks. */
  readonly hostInterfaces: readonly string[];
  /** Remove what the kernel does not remove by itself; safe to call twice. */
  teardown(): Promise<void>;
}

/** Throw the invalid-config error for everything wrong in the networks and routes; the launch calls
 *  this before it creates anything (clone, cgroups), setupNetworks again before it applies them. */
export function assertNetworks(config: ContainerConfig): void {
  const problems = checkNetworks(config as unknown as NetworkConfig);
  if (problems.length > 0) {
    const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new NsinitError(`invalid network configuration: ${text}`, {
      code: 'ERR_NSINIT_INVALID_CONFIG',
      errors: problems,
    });
  }
}

/** Configure the container's network namespace from the parent while the child waits for GO.
 *  `pidfd`/`pid` name the child. On failure nothing created here remains. */
export async function setupNetworks(
  native: NativeBindings,
  config: ContainerConfig,
  child: { pid: number; pidfd: number },
): Promise<NetworkHandle> {
  const net = config as unknown as NetworkConfig;
  assertNetworks(config);
  const { hostInterfaces } = applyNetworks(native, net, child);
  let remaining = [...hostInterfaces];
  return {
    hostInterfaces,
    async teardown() {
      if (remaining.length === 0) return;
      const names = remaining;
      remaining = [];
      // The kernel deletes a veth pair when the container's netns dies, but netns cleanup runs
      // asynchronously in a workqueue; deleting the host end here makes its removal deterministic.
      let sock: NetlinkSocket | undefined;
      try {
        sock = NetlinkSocket.open(native, -1);
        for (const name of names) deleteLink(sock, name);
      } catch (err) {
        process.emitWarning(`network teardown: ${(err as Error).message}`, {
          code: 'NSINIT_NETWORK_TEARDOWN',
        });
      } finally {
        sock?.close();
      }
    },
  };
}

/** Delete host links a dead supervisor left (names from the trusted state); missing ones are
 *  fine: the kernel removes a veth with the namespace of its peer. */
export function deleteHostLinks(native: NativeBindings, names: readonly string[]): void {
  if (names.length === 0) return;
  const sock = NetlinkSocket.open(native, -1);
  try {
    for (const name of names) {
      try {
        deleteLink(sock, name);
      } catch {
        // already gone with the container's namespace
      }
    }
  } finally {
    sock.close();
  }
}
