// The /proc and /sys paths runc's default config.json masks or makes read-only, shared by both
// formats' defaults and the runtime. Its own module (the "@nsinit/config/paths" export), free of
// typebox, so the CLI can use the list at every start without loading the validator.

/** Paths of /proc and /sys that leak host information or offer host controls. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
  '/sys/devices/virtual/tpm',
] as const;

/** Kernel knobs under /proc that stay visible but must not be written from the container. */
export const DEFAULT_READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
] as const;
