// The command registry: one import and one entry per command. `nsinit help` lists them in this order.
import type { Command } from '../command.js';
import { configCommand } from './config.js';
import { execCommand } from './exec.js';
import { pauseCommand } from './pause.js';
import { resumeCommand } from './resume.js';
import { specCommand } from './spec.js';
import { statsCommand } from './stats.js';
import { statusCommand } from './status.js';

export const commands: readonly Command[] = [
  execCommand,
  statusCommand,
  statsCommand,
  pauseCommand,
  resumeCommand,
  specCommand,
  configCommand,
];
