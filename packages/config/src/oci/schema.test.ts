// schema-oci.json is the schema generated from the typebox source, documents every field with a
// default, and works as plain JSON Schema on real configs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { PACKAGE_DIR } from '../../test/fixtures.js';
import { OCI_FIXTURES } from '../../test/oci-fixtures.js';
import { defaultOciSpec, OCI_SCHEMA_ID, OciConfigSchema, ociSchemaDocument } from '../index.js';

type Node = Record<string, any>;
const PUBLISHED = join(PACKAGE_DIR, 'schema-oci.json');

function properties(node: Node, at = ''): Array<{ at: string; schema: Node }> {
  const out: Array<{ at: string; schema: Node }> = [];
  const visit = (child: Node, where: string) => {
    out.push({ at: where, schema: child });
    out.push(...properties(child, where));
    if (child.items) out.push(...properties(child.items, `${where}/*`));
    if (typeof child.additionalProperties === 'object') {
      out.push(...properties(child.additionalProperties, `${where}/*`));
    }
  };
  for (const [key, child] of Object.entries<Node>(node.properties ?? {})) visit(child, `${at}/${key}`);
  return out;
}

// Objects whose absence means something no JSON value can say: no process (a bundle only for
// create), no root, no seccomp filter, no resources limit object.
const NO_JSON_DEFAULT = new Set(['/process', '/root', '/linux/seccomp']);

describe('schema-oci.json', () => {
  it('is the schema generated from the typebox source (rebuild with pnpm --filter @nsinit/config build)', () => {
    const text = readFileSync(PUBLISHED, 'utf8');
    expect(JSON.parse(text)).toEqual(ociSchemaDocument());
    expect(text).toBe(`${JSON.stringify(ociSchemaDocument(), null, 2)}\n`);
  });

  it('declares its draft, id and title first', () => {
    const doc = ociSchemaDocument();
    expect(Object.keys(doc).slice(0, 3)).toEqual(['$schema', '$id', 'title']);
    expect(doc.$id).toBe(OCI_SCHEMA_ID);
  });

  it('gives every field a description and a default', () => {
    const all = properties(OciConfigSchema as unknown as Node);
    expect(all.length).toBeGreaterThan(150);
    const missing = all.filter(
      ({ schema }) => typeof schema.description !== 'string' || schema.description.length < 10,
    );
    expect(missing.map((m) => m.at)).toEqual([]);
    const noDefault = all.filter(({ at, schema }) => !('default' in schema) && !NO_JSON_DEFAULT.has(at));
    expect(noDefault.map((m) => m.at)).toEqual([]);
  });

  it('describes every field the brief lists', () => {
    const names = new Set(properties(OciConfigSchema as unknown as Node).map((p) => p.at));
    const expected = [
      '/ociVersion',
      '/process/terminal',
      '/process/consoleSize/height',
      '/process/user/uid',
      '/process/user/gid',
      '/process/user/umask',
      '/process/user/additionalGids',
      '/process/user/username',
      '/process/args',
      '/process/commandLine',
      '/process/env',
      '/process/cwd',
      ...['bounding', 'effective', 'inheritable', 'permitted', 'ambient'].map(
        (s) => `/process/capabilities/${s}`,
      ),
      '/process/rlimits/*/type',
      '/process/noNewPrivileges',
      '/process/apparmorProfile',
      '/process/oomScoreAdj',
      '/process/selinuxLabel',
      '/process/ioPriority/class',
      '/process/scheduler/policy',
      '/root/path',
      '/root/readonly',
      '/hostname',
      '/domainname',
      ...['destination', 'type', 'source', 'options', 'uidMappings', 'gidMappings'].map(
        (k) => `/mounts/*/${k}`,
      ),
      ...['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'].map(
        (h) => `/hooks/${h}`,
      ),
      '/hooks/poststop/*/timeout',
      '/annotations',
      '/linux/namespaces/*/type',
      '/linux/namespaces/*/path',
      '/linux/uidMappings/*/size',
      '/linux/gidMappings',
      '/linux/timeOffsets/monotonic/secs',
      '/linux/devices/*/fileMode',
      '/linux/cgroupsPath',
      ...['devices', 'memory', 'cpu', 'pids', 'blockIO', 'hugepageLimits', 'network', 'rdma', 'unified'].map(
        (r) => `/linux/resources/${r}`,
      ),
      '/linux/intelRdt/closID',
      '/linux/sysctl',
      '/linux/seccomp/syscalls/*/args/*/op',
      '/linux/rootfsPropagation',
      '/linux/maskedPaths',
      '/linux/readonlyPaths',
      '/linux/mountLabel',
      '/linux/personality/domain',
    ];
    expect(expected.filter((n) => !names.has(n))).toEqual([]);
  });

  it('works as a plain JSON Schema: accepts the fixtures and the default, rejects type errors', () => {
    const published = JSON.parse(readFileSync(PUBLISHED, 'utf8'));
    for (const f of OCI_FIXTURES)
      expect([f.name, Value.Check(published, f.config())]).toEqual([f.name, true]);
    expect(Value.Check(published, defaultOciSpec())).toBe(true);
    for (const bad of [
      { ociVersion: '1.3.0' },
      { ociVersion: '1.0.0-rc5' },
      { ociVersion: '1.2.0', hostname: 5 },
      { ociVersion: '1.2.0', linux: { namespaces: [{ type: 'pdi' }] } },
      { ociVersion: '1.2.0', process: { cwd: '/', oomScoreAdj: -1001 } },
      { ociVersion: '1.2.0', process: { cwd: '/', capabilities: { bounding: ['SYS_ADMIN'] } } },
    ]) {
      expect([bad, Value.Check(published, bad)]).toEqual([bad, false]);
    }
  });

  it('carries no typebox internals or error-message annotations', () => {
    expect(JSON.stringify(ociSchemaDocument())).not.toMatch(/~kind|~unsafe|Symbol|nsinit\.config\./);
  });
});
