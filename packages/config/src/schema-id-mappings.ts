// Id mappings in container.json's style (an nsinit extension, not in the 2014 format): one range of a
// user namespace's uid_map/gid_map ("inside outside count", user_namespaces(7)) as
// {container_id, host_id, size}. Used by mounts[].uid_mappings/gid_mappings (idmapped bind mounts,
// mount_setattr(2) MOUNT_ATTR_IDMAP), and meant for the container's own maps too.
import Type, { type Static } from 'typebox';
import { annotate, LIMIT_HINT } from './annotations.js';
import { int } from './fields.js';

/** The kernel reads at most 340 ranges from a uid_map/gid_map (Linux 4.15+). */
export const MAX_ID_RANGES = 340;
export const MAX_U32 = 4294967295;

const id = (description: string, minimum = 0) =>
  int(description, { minimum, maximum: MAX_U32, expected: `an integer from ${minimum} to ${MAX_U32}` });

export const IdMappingSchema = Type.Object(
  {
    container_id: id(
      'First id of the range inside: in the container, or in the filesystem of an idmapped mount.',
    ),
    host_id: id('First id of the range outside (on the host) that container_id maps to.'),
    size: id('How many consecutive ids the range covers.', 1),
  },
  {
    additionalProperties: false,
    description: 'One range of an id mapping (a uid_map/gid_map line "container_id host_id size").',
  },
);
export type IdMapping = Static<typeof IdMappingSchema>;

/** A list of ranges, capped where the kernel stops reading. */
export function idMappings(description: string) {
  return annotate(
    Type.Array(IdMappingSchema, {
      description: `${description} At most ${MAX_ID_RANGES} ranges.`,
      default: [],
      maxItems: MAX_ID_RANGES,
    }),
    { [LIMIT_HINT]: 'the kernel reads at most 340 ranges of a uid_map or gid_map' },
  );
}
