// Node built-ins that only some containers need, loaded on first use: node:net, node:stream and
// node:tty pull in ~25 internal modules (~2 ms of every CLI start), and a container with inherited
// stdio, no pty and no network uses none of them. Types come from ordinary `import type`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const net = (): typeof import('node:net') => require('node:net');
export const stream = (): typeof import('node:stream') => require('node:stream');
export const tty = (): typeof import('node:tty') => require('node:tty');
