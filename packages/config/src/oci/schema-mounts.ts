// `mounts` of config.json (mount(2) in listed order, after the rootfs is prepared) and the id
// mapping entries shared with user namespaces (user_namespaces(7) uid_map/gid_map lines) and
// idmapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP).
import Type, { type Static } from 'typebox';
import { list, path, strings, text, u32 } from './fields.js';

/** The kernel reads at most 340 lines from uid_map/gid_map (Linux 4.15+). */
export const MAX_ID_MAPPINGS = 340;

export const OciIdMappingSchema = Type.Object(
  {
    containerID: u32('First id inside the namespace (or the idmapped mount).'),
    hostID: u32('First id outside, on the host, that containerID maps to.'),
    size: u32('How many consecutive ids the range covers (at least 1).', { minimum: 1, default: 1 }),
  },
  { additionalProperties: false, description: 'One range of an id mapping (a uid_map/gid_map line).' },
);
export type OciIdMapping = Static<typeof OciIdMappingSchema>;

export const idMappings = (what: string) => list(OciIdMappingSchema, what, { maxItems: MAX_ID_MAPPINGS });

export const OciMountSchema = Type.Object(
  {
    destination: path(
      'Where the mount goes inside the container. Absolute; a relative path is read as relative to "/" ' +
        '(allowed by runtime-spec 1.2 for old tools, with a warning). Symlinks resolve inside the rootfs.',
    ),
    type: Type.Optional(
      text(
        'Filesystem type for mount(2) (proc, tmpfs, sysfs, ...); "bind" or absent with a bind option is a bind mount.',
        {
          maxLength: 255,
          expected: 'a filesystem type such as "tmpfs"',
        },
      ),
    ),
    source: Type.Optional(
      path(
        'Device, host path for bind mounts (resolved in the runtime mount namespace), or a placeholder such as "proc".',
      ),
    ),
    options: Type.Optional(
      strings(
        'mount(8)-style options: flags (ro, nosuid, nodev, noexec, relatime, bind, rbind, propagation such ' +
          'as rprivate) and filesystem data (size=64m, mode=755, ...), in order.',
        'One option.',
      ),
    ),
    uidMappings: Type.Optional(
      idMappings(
        'User id mapping of an idmapped bind mount (mount_setattr(2) MOUNT_ATTR_IDMAP); needs ' +
          'gidMappings too. Written as given to the uid_map of the user namespace that describes the ' +
          'mount, as runc and crun do: a file owned by containerID+k in the source is seen as owned by ' +
          'hostID+k (inside a container user namespace, by what that id maps to there). Only the top ' +
          'mount of an rbind is idmapped unless options has "ridmap".',
      ),
    ),
    gidMappings: Type.Optional(
      idMappings('Group id mapping of an idmapped bind mount; needs uidMappings too. See uidMappings.'),
    ),
  },
  { additionalProperties: false, description: 'A mount performed inside the container, in list order.' },
);
export type OciMount = Static<typeof OciMountSchema>;
