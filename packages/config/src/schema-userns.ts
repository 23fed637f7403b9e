// The user-namespace id maps of container.json: `uid_mappings` and `gid_mappings`, an nsinit
// extension in the later libcontainer's own spelling. Each entry is one line of
// /proc/<pid>/uid_map or gid_map (user_namespaces(7)): `size` ids from `container_id` inside are
// `host_id`.. on the host.
import Type, { type Static } from 'typebox';
import { int, list } from './fields.js';

const ID_MAX = 4294967295;

export const IdMappingSchema = Type.Object(
  {
    container_id: int('First id inside the user namespace.', {
      minimum: 0,
      maximum: ID_MAX,
      expected: 'an id from 0 to 4294967295',
    }),
    host_id: int('First id on the host that container_id maps to.', {
      minimum: 0,
      maximum: ID_MAX,
      expected: 'an id from 0 to 4294967295',
    }),
    size: int('How many consecutive ids the range covers (at least 1).', {
      default: 1,
      minimum: 1,
      maximum: ID_MAX,
      expected: 'a count from 1 to 4294967295',
    }),
  },
  { additionalProperties: false, description: 'One range of an id map (a uid_map/gid_map line).' },
);
export type IdMapping = Static<typeof IdMappingSchema>;

const MAP_HELP =
  'Written by nsinit (as root, or for your own id only) or by newuidmap/newgidmap (Debian uidmap) for ' +
  'ranges from /etc/subuid and /etc/subgid. Needs namespaces.NEWUSER; NEWUSER needs both maps.';

export const uidMappings = () =>
  Type.Optional(
    list('uid_mappings', IdMappingSchema, {
      description: `uid map of the new user namespace (an nsinit extension). ${MAP_HELP}`,
    }),
  );
export const gidMappings = () =>
  Type.Optional(
    list('gid_mappings', IdMappingSchema, {
      description: `gid map of the new user namespace (an nsinit extension). ${MAP_HELP}`,
    }),
  );
