// Build step: writes the published JSON Schema to packages/config/schema.json (run as
// `node dist/write-schema.js` after tsc). A build script, never imported by index.ts.
import { writeFileSync } from 'node:fs';
import { schemaDocument } from './schema-document.js';

const target = new URL('../schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(schemaDocument(), null, 2)}\n`);
