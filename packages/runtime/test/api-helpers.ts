// Helpers of the tests that drive @nsinit/runtime's API: a config without host-side resources,
// and a stdio stream read to its end.
import type { Readable } from 'node:stream';
import type { ContainerConfig } from '@nsinit/config';

/** No cgroups and no networks: a container that touches nothing of the host's. */
export function plain(c: ContainerConfig): ContainerConfig {
  delete c.cgroups;
  delete c.networks;
  return c;
}

/** Everything `stream` carries until it ends or closes ('' without a stream). */
export function text(stream: Readable | null): Promise<string> {
  if (!stream) return Promise.resolve('');
  let out = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    out += d;
  });
  return new Promise((resolve) => {
    stream.on('end', () => resolve(out));
    stream.on('close', () => resolve(out));
  });
}
