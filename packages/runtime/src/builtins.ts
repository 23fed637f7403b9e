// Node built-ins that only some containers need, loaded on first use: node:net, node:stream and
// node:tty pull in ~25 internal modules (~2 ms of every CLI start), node:crypto and
// node:child_process as many again (crypto's bindings, streams, net, dgram), and a container with
// inherited stdio, no pty, no network, no hooks and no id-mapping helper uses none of them. Types
// come from ordinary `import type`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const net = (): typeof import('node:net') => require('node:net');
export const stream = (): typeof import('node:stream') => require('node:stream');
export const tty = (): typeof import('node:tty') => require('node:tty');
export const crypto = (): typeof import('node:crypto') => require('node:crypto');
export const childProcess = (): typeof import('node:child_process') => require('node:child_process');
