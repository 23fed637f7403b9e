// The OCI runtime-spec config.json (versions 1.0.0 through 1.2.x, Linux) as a typebox schema: the
// bundle's root filesystem, the process, mounts, hooks, annotations and the linux object. Every
// field carries a description and its default.
import Type, { type Static } from 'typebox';
import { flag, list, map, path, text } from './fields.js';
import { OciHooksSchema } from './schema-hooks.js';
import { OciLinuxSchema } from './schema-linux.js';
import { OciMountSchema } from './schema-mounts.js';
import { OciProcessSchema } from './schema-process.js';

/** The `$id` of the published schema-oci.json. */
export const OCI_SCHEMA_ID = 'urn:nsinit:schema:oci-config:1';

/** The runtime-spec version nsinit-oci writes (state, features, `spec`). */
export const OCI_VERSION = '1.2.1';

/** SemVer 1.0.0 through 1.2.x; pre-releases of 1.0.1 and later are accepted (runc writes
 *  "1.0.2-dev"), 1.0.0 release candidates are not. */
export const OCI_VERSION_PATTERN =
  '^1\\.(?:0\\.0|0\\.[1-9][0-9]*(?:-[0-9A-Za-z.-]+)?|[12]\\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?)(?:\\+[0-9A-Za-z.-]+)?$';
export const OCI_VERSION_HINT = 'unsupported runtime-spec version; expected 1.0.0 through 1.2.x';

export const OciRootSchema = Type.Object(
  {
    path: path('Root filesystem directory, absolute or relative to the bundle. It must exist.', {
      default: 'rootfs',
    }),
    readonly: Type.Optional(flag('Make the root filesystem read-only inside the container.')),
  },
  { additionalProperties: false, description: 'The container root filesystem.' },
);
export type OciRoot = Static<typeof OciRootSchema>;

export const OciConfigSchema = Type.Object(
  {
    $schema: Type.Optional(
      text('Path or URL of this JSON Schema, for editors. Ignored.', { expected: 'a path or URL' }),
    ),
    ociVersion: text('runtime-spec version the bundle follows: 1.0.0 through 1.2.x (SemVer).', {
      default: '1.2.1',
      maxLength: 64,
      pattern: OCI_VERSION_PATTERN,
      patternHint: OCI_VERSION_HINT,
      expected: 'a version such as "1.2.1"',
    }),
    process: Type.Optional(OciProcessSchema),
    root: Type.Optional(OciRootSchema),
    hostname: Type.Optional(
      text('Hostname inside the container (sethostname(2)); needs a uts namespace.', { maxLength: 64 }),
    ),
    domainname: Type.Optional(
      text('NIS domain name inside the container (setdomainname(2)); needs a uts namespace.', {
        maxLength: 64,
      }),
    ),
    mounts: Type.Optional(
      list(OciMountSchema, 'Mounts performed in order after the rootfs is prepared.', { limit: 'mounts' }),
    ),
    hooks: Type.Optional(OciHooksSchema),
    annotations: Type.Optional(
      map(
        text('The value.', { maxLength: 1024 * 1024 }),
        'Free-form metadata (keys such as "org.opencontainers.image.os"); nsinit reads none of it.',
        'an object of strings',
      ),
    ),
    linux: Type.Optional(OciLinuxSchema),
  },
  {
    $id: OCI_SCHEMA_ID,
    title: 'OCI runtime-spec config.json (as read by nsinit-oci)',
    description:
      'Configuration of one OCI bundle (runtime-spec 1.0.0 through 1.2.x, Linux). Keys are matched ' +
      'case-insensitively like Go encoding/json; unknown keys are reported as warnings.',
    additionalProperties: false,
  },
);
export type OciConfig = Static<typeof OciConfigSchema>;
