// The shape of one nsinit command: its name, help text, options and run(). Commands receive the
// parsed arguments and the process's stdio through CommandContext so main() can be tested in-process.
import type { Readable, Writable } from 'node:stream';

export interface OptionSpec {
  /** Long name without dashes: 'root' for --root. */
  name: string;
  short?: string;
  /** Placeholder of the value ('DIR'); absent for a boolean flag. */
  value?: string;
  description: string;
}

export interface Io {
  stdin: Readable & { isTTY?: boolean; fd?: number };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable & { isTTY?: boolean };
  /** True when stdin/stdout/stderr are the process's own (the container may inherit the fds). */
  processStdio?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  /** --root DIR (or the 2014 `data_path` environment variable): config and pid files. */
  root?: string;
  /** --dir DIR: the container directory (rootfs); default: the working directory. */
  dir?: string;
  debug: boolean;
}

export interface CommandContext {
  global: GlobalOptions;
  /** The command's own options (booleans as true, values as strings). */
  options: Record<string, string | true>;
  /** Positional arguments, passed through untouched (after `--` too). */
  args: string[];
  io: Io;
}

export interface Command {
  name: string;
  summary: string;
  /** One or more usage lines without the leading "nsinit ". */
  usage: string[];
  options: OptionSpec[];
  /** The global options this command takes after its name and lists in its help (default: all;
   *  `spec` reads no container, so --root/--dir/--debug mean nothing to it). */
  globals?: readonly string[];
  /** Extra help text after the options. */
  details?: string;
  /** Exit status for usage errors (Docker's 125 for exec, 2 elsewhere). */
  usageExitCode?: number;
  /** Arguments after the first positional belong to the user's command (exec): never read
   *  options, not even --help, among them. */
  passThrough?: boolean;
  run(ctx: CommandContext): Promise<number>;
}
