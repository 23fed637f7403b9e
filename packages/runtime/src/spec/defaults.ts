// Defaults shared by both front ends. The masked paths are those runc's default config.json
// (`runc spec`) and Docker mask: host information a container has no use for — kernel memory,
// other users' keyrings, timer and scheduler internals that leak host activity, firmware tables.

export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
