// Time namespace offsets (time_namespaces(7)) → the lines /proc/<pid>/timens_offsets takes:
// "<clock> <secs> <nanosecs>", one per clock, written before any process enters the namespace.
import type { ClockOffset } from './model.js';

export interface OffsetsInput {
  monotonic?: { secs?: number; nanosecs?: number };
  boottime?: { secs?: number; nanosecs?: number };
}

export function timeOffsets(o: OffsetsInput): { monotonic?: ClockOffset; boottime?: ClockOffset } {
  const one = (c: { secs?: number; nanosecs?: number }): ClockOffset => ({
    secs: c.secs ?? 0,
    nanosecs: c.nanosecs ?? 0,
  });
  return {
    ...(o.monotonic ? { monotonic: one(o.monotonic) } : {}),
    ...(o.boottime ? { boottime: one(o.boottime) } : {}),
  };
}

/** The timens_offsets text: clock names as the kernel parses them (the CLOCK_MONOTONIC and
 *  CLOCK_BOOTTIME ids 1 and 7, written as numbers, which every kernel with time namespaces reads). */
export function timensOffsetsText(o: { monotonic?: ClockOffset; boottime?: ClockOffset }): string {
  let text = '';
  if (o.monotonic) text += `1 ${o.monotonic.secs} ${o.monotonic.nanosecs}\n`;
  if (o.boottime) text += `7 ${o.boottime.secs} ${o.boottime.nanosecs}\n`;
  return text;
}
