// Where a command finds its container: the container directory (--dir, default the working
// directory) and the data directory holding container.json and the pid files (--root, or the 2014
// `data_path` environment variable, default the container directory), as the runtime resolves them.
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandContext } from './command.js';

export interface ContainerPaths {
  dir: string;
  root: string | undefined;
  /** <data directory>/container.json, spelt as the runtime spells it (symlinks resolved). */
  configPath: string;
}

export function containerPaths(ctx: Pick<CommandContext, 'io' | 'global'>): ContainerPaths {
  const { io, global } = ctx;
  const dir = resolve(io.cwd, global.dir ?? '.');
  const fromEnv = io.env.data_path;
  const rootArg = global.root ?? (fromEnv ? fromEnv : undefined);
  const root = rootArg === undefined ? undefined : resolve(io.cwd, rootArg);
  let dataDir = root;
  if (dataDir === undefined) {
    try {
      dataDir = realpathSync.native(dir);
    } catch {
      dataDir = dir;
    }
  }
  return { dir, root, configPath: join(dataDir, 'container.json') };
}
