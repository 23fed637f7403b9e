// The JSON Schema document published as schema-oci.json: the typebox schema serialised (symbol-keyed
// error-message annotations drop out) plus the draft it follows. No kernel facility.
import { JSON_SCHEMA_DRAFT } from '../schema-document.js';
import { OCI_SCHEMA_ID, OciConfigSchema } from './schema.js';

/** A fresh plain-JSON copy of the published config.json schema, `$schema`, `$id` and `title` first. */
export function ociSchemaDocument(): Record<string, unknown> {
  const body = JSON.parse(JSON.stringify(OciConfigSchema)) as Record<string, unknown>;
  return { $schema: JSON_SCHEMA_DRAFT, $id: OCI_SCHEMA_ID, title: body.title, ...body };
}
