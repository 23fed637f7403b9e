// The masked paths both front ends share: those runc's default config.json (`runc spec`) masks,
// as @nsinit/config's default OCI spec lists them — host information a container has no use for:
// kernel memory, other users' keyrings, timer and scheduler internals that leak host activity,
// firmware tables. One list, so `nsinit spec`, `nsinit-oci spec` and 2014 containers agree.
export { DEFAULT_MASKED_PATHS } from '@nsinit/config/paths';
