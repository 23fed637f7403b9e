// The JSON Schema document published as schema.json: the typebox schema serialised (JSON.stringify
// drops typebox's symbol-keyed metadata) plus the draft it follows. No kernel facility.
import { ContainerConfigSchema, SCHEMA_ID } from './schema.js';

export const JSON_SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** A fresh plain-JSON copy of the published schema, with `$schema`, `$id` and `title` first. */
export function schemaDocument(): Record<string, unknown> {
  const body = JSON.parse(JSON.stringify(ContainerConfigSchema)) as Record<string, unknown>;
  return { $schema: JSON_SCHEMA_DRAFT, $id: SCHEMA_ID, title: body.title, ...body };
}
