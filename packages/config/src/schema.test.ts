// schema.json is the generated schema, documents every field with a default, and works as plain
// JSON Schema.
import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, EXPECTED_SCHEMA_PATH, sampleText } from '../test/fixtures.js';
import { ContainerConfigSchema, SCHEMA_ID, schemaDocument } from './index.js';

type Node = Record<string, any>;

/** Every named property in the schema, with its JSON pointer-ish location. */
function properties(node: Node, at = ''): Array<{ at: string; schema: Node }> {
  const out: Array<{ at: string; schema: Node }> = [];
  for (const [key, child] of Object.entries<Node>(node.properties ?? {})) {
    out.push({ at: `${at}/${key}`, schema: child });
    out.push(...properties(child, `${at}/${key}`));
    if (child.items) out.push(...properties(child.items, `${at}/${key}/*`));
  }
  return out;
}

// Objects whose absence means something no JSON value can say ("no cgroup setup at all").
const NO_JSON_DEFAULT = new Set(['/cgroups']);

describe('schema.json', () => {
  it('is the schema generated from the typebox source (rebuild with pnpm --filter @nsinit/config build)', () => {
    const published = JSON.parse(readFileSync(EXPECTED_SCHEMA_PATH, 'utf8'));
    expect(published).toEqual(schemaDocument());
    expect(readFileSync(EXPECTED_SCHEMA_PATH, 'utf8')).toBe(`${JSON.stringify(schemaDocument(), null, 2)}\n`);
  });

  it('declares its draft, id and title first', () => {
    const doc = schemaDocument();
    expect(Object.keys(doc).slice(0, 3)).toEqual(['$schema', '$id', 'title']);
    expect(doc.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.$id).toBe(SCHEMA_ID);
  });

  it('gives every field a description and a default', () => {
    const all = properties(ContainerConfigSchema as unknown as Node);
    expect(all.length).toBeGreaterThan(60);
    const missing = all.filter(
      ({ schema }) => typeof schema.description !== 'string' || schema.description.length < 10,
    );
    expect(missing.map((m) => m.at)).toEqual([]);
    const noDefault = all.filter(({ at, schema }) => !('default' in schema) && !NO_JSON_DEFAULT.has(at));
    expect(noDefault.map((m) => m.at)).toEqual([]);
  });

  it('describes every field of the 2014 format and the modern additions', () => {
    const names = new Set(properties(ContainerConfigSchema as unknown as Node).map((p) => p.at));
    const expected = [
      '/hostname',
      '/readonly_fs',
      '/no_pivot_root',
      '/user',
      '/working_dir',
      '/environment',
      '/tty',
      '/namespaces/NEWNS',
      '/namespaces/NEWUTS',
      '/namespaces/NEWIPC',
      '/namespaces/NEWUSER',
      '/namespaces/NEWPID',
      '/namespaces/NEWNET',
      '/capabilities',
      '/networks/*/type',
      '/networks/*/address',
      '/networks/*/gateway',
      '/networks/*/mtu',
      '/networks/*/context/bridge',
      '/networks/*/context/prefix',
      '/networks/*/context/nspath',
      '/routes/*/destination',
      '/routes/*/source',
      '/routes/*/gateway',
      '/routes/*/interface_name',
      '/cgroups/name',
      '/cgroups/parent',
      '/cgroups/allow_all_devices',
      '/cgroups/allowed_devices/*/type',
      '/cgroups/allowed_devices/*/path',
      '/cgroups/allowed_devices/*/major_number',
      '/cgroups/allowed_devices/*/minor_number',
      '/cgroups/allowed_devices/*/cgroup_permissions',
      '/cgroups/allowed_devices/*/file_mode',
      '/cgroups/memory',
      '/cgroups/memory_reservation',
      '/cgroups/memory_swap',
      '/cgroups/cpu_shares',
      '/cgroups/cpu_quota',
      '/cgroups/cpu_period',
      '/cgroups/cpuset_cpus',
      '/cgroups/freezer',
      '/cgroups/slice',
      '/cgroups/pids_limit',
      '/context/mount_label',
      '/context/process_label',
      '/context/apparmor_profile',
      '/context/restrictions',
      '/mounts/*/type',
      '/mounts/*/source',
      '/mounts/*/destination',
      '/mounts/*/writable',
      '/mounts/*/private',
      '/device_nodes/*/type',
      '/device_nodes/*/file_mode',
      '/rlimits/*/type',
      '/rlimits/*/hard',
      '/rlimits/*/soft',
      '/no_new_privileges',
    ];
    expect(expected.filter((n) => !names.has(n))).toEqual([]);
  });

  it('works as a plain JSON Schema: accepts the sample and the examples, rejects type errors', () => {
    const published = JSON.parse(readFileSync(EXPECTED_SCHEMA_PATH, 'utf8'));
    const docs = EXAMPLES.map((e) => JSON.parse(readFileSync(e.path, 'utf8')));
    const text = sampleText();
    if (text !== undefined) docs.push(JSON.parse(text));
    for (const doc of docs) expect(Value.Check(published, doc)).toBe(true);
    for (const bad of [
      { hostname: 5 },
      { capabilities: ['FLY'] },
      { namespaces: { NEWPDI: true } },
      { cgroups: { memory: '1g' } },
    ]) {
      expect(Value.Check(published, bad)).toBe(false);
    }
  });

  it('carries no typebox internals or error-message annotations', () => {
    const text = JSON.stringify(schemaDocument());
    expect(text).not.toMatch(/~kind|Symbol|nsinit\.config\./);
  });
});
