// One nsinit-oci verb: its runc name, usage, flags and run().
import type { FlagSpec, FlagValues } from './args.js';
import type { Logger } from './log.js';

export interface OciGlobal {
  root: string;
  logger: Logger;
  debug: boolean;
}

export interface OciCommandContext {
  global: OciGlobal;
  flags: FlagValues;
  args: string[];
}

export interface OciCommand {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  run(ctx: OciCommandContext): Promise<number>;
}
