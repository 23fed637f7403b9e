// Build step: writes the published JSON Schemas to packages/config/schema.json (container.json) and
// schema-oci.json (OCI config.json), run as `node dist/write-schema.js` after tsc. A build script,
// never imported by index.ts.
import { writeFileSync } from 'node:fs';
import { ociSchemaDocument } from './oci/schema-document.js';
import { schemaDocument } from './schema-document.js';

const write = (name: string, doc: unknown) =>
  writeFileSync(new URL(`../${name}`, import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
write('schema.json', schemaDocument());
write('schema-oci.json', ociSchemaDocument());
