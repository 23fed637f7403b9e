// Imports a workspace package by name, falling back to its built dist/ by path. The fallback only
// matters before `pnpm install` has linked this package's node_modules (a fresh checkout where the
// bench package was just added); after that the name always resolves.
import { fileURLToPath } from 'node:url';

const DIST = {
  '@nsinit/config': '../../packages/config/dist/index.js',
  '@nsinit/runtime': '../../packages/runtime/dist/index.js',
  '@nsinit/testkit': '../../packages/testkit/dist/index.js',
};

export async function importWorkspace(name) {
  try {
    return await import(name);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(`'${name}'`)) throw err;
    return import(new URL(DIST[name], import.meta.url).href);
  }
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
