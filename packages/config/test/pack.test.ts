// The package as users get it: `npm pack`, unpacked into a scratch project next to typebox (its only
// dependency), imported from plain Node ESM and type-checked with tsc against the shipped .d.ts.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, PACKAGE_DIR, REPO_ROOT } from './fixtures.js';

let scratch: string;
let files: string[];
let manifest: Record<string, any>;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'nsinit-config-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
  });
  const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = info!.files.map((f) => f.path).sort();
  const pkgDir = join(scratch, 'node_modules', '@nsinit', 'config');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, info!.filename), '-C', pkgDir, '--strip-components=1']);
  // The only runtime dependency, copied as npm would install it (no network here).
  cpSync(
    realpathSync(join(PACKAGE_DIR, 'node_modules', 'typebox')),
    join(scratch, 'node_modules', 'typebox'),
    {
      recursive: true,
    },
  );
  manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
}, 60_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm pack of @nsinit/config', () => {
  it('ships the built code, types, sources for the maps, schema.json and README, and no tests', () => {
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/node.js',
      'dist/node.d.ts',
      'schema.json',
      'schema-oci.json',
      'dist/oci/index.js',
      'README.md',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /\.test\.|write-schema|tsbuildinfo|^test\/|^bench\//.test(f))).toEqual([]);
    expect(manifest.exports['./schema-oci.json']).toBe('./schema-oci.json');
  });

  it('depends on typebox only', () => {
    expect(manifest.dependencies).toEqual({ typebox: '1.4.3' });
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.type).toBe('module');
  });

  it('imports in plain Node ESM: main entry, node entry and schema.json', () => {
    const example = EXAMPLES[0]!.path;
    const script = `
      import { validateConfig, defaultConfig, SCHEMA_ID, formatIssue } from '@nsinit/config';
      import { loadConfig } from '@nsinit/config/node';
      import schema from '@nsinit/config/schema.json' with { type: 'json' };
      import ociSchema from '@nsinit/config/schema-oci.json' with { type: 'json' };
      import { validateOciConfig, defaultOciSpec, OCI_SCHEMA_ID } from '@nsinit/config';
      const oci = validateOciConfig({ ...defaultOciSpec(), ociVersion: '1.3.0' });
      const bad = validateConfig({ cgroups: { name: 'x', memory: '512m' } });
      console.log(JSON.stringify({
        default: validateConfig(defaultConfig()).ok,
        bad: bad.errors.map(formatIssue),
        example: loadConfig(${JSON.stringify(example)}).hostname,
        schemaId: schema.$id === SCHEMA_ID,
        ociSchemaId: ociSchema.$id === OCI_SCHEMA_ID,
        ociDefault: validateOciConfig(defaultOciSpec()).ok,
        oci: oci.errors.map(formatIssue),
        resolved: import.meta.resolve('@nsinit/config'),
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: scratch,
      encoding: 'utf8',
    });
    const result = JSON.parse(out);
    expect(result).toMatchObject({
      default: true,
      bad: ['/cgroups/memory: expected a number of bytes, got "512m"'],
      example: 'minimal',
      schemaId: true,
      ociSchemaId: true,
      ociDefault: true,
      oci: ['/ociVersion: unsupported runtime-spec version; expected 1.0.0 through 1.2.x, got "1.3.0"'],
    });
    expect(result.resolved).toContain(`${scratch}/node_modules/@nsinit/config/dist/index.js`);
  });

  it('type-checks a consumer against the shipped declarations', () => {
    writeFileSync(
      join(scratch, 'consumer.ts'),
      `import { type ContainerConfig, type Network, validateConfig, CAPABILITY_NAMES } from '@nsinit/config';
       import { type OciConfig, type OciMount, type OciLinuxResources, type OciState, defaultOciSpec, validateOciConfig } from '@nsinit/config';
       import { loadConfig, type ReadConfigResult } from '@nsinit/config/node';
       const net: Network = { type: 'veth', address: '10.0.0.2/24', mtu: 1500, context: { bridge: 'br0', prefix: 'v' } };
       const c: ContainerConfig = { hostname: 'x', networks: [net], capabilities: ['CHOWN'] };
       const r = validateConfig(c);
       const n: number = r.ok ? r.config.networks!.length : r.errors.length;
       const cap: (typeof CAPABILITY_NAMES)[number] = 'BPF';
       export const used = [n, cap, loadConfig, null as unknown as ReadConfigResult];
       const spec: OciConfig = defaultOciSpec();
       const r2 = validateOciConfig(spec);
       const mounts: OciMount[] = r2.ok ? r2.config.mounts ?? [] : [];
       const res: OciLinuxResources | undefined = r2.ok ? r2.config.linux?.resources : undefined;
       const st: OciState = { ociVersion: '1.2.1', id: 'x', status: 'paused', bundle: '/b' };
       export const usedOci = [mounts, res, st];
       // @ts-expect-error: an unknown namespace type is a type error
       export const wrongNs: OciConfig = { ociVersion: '1.2.0', linux: { namespaces: [{ type: 'net' }] } };
       // @ts-expect-error: an unknown capability name is a type error
       export const wrong: ContainerConfig = { capabilities: ['FLY'] };
      `,
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = () =>
      execFileSync(process.execPath, [tsc, '-p', scratch], { cwd: scratch, encoding: 'utf8' });
    expect(run).not.toThrow();
    expect(readdirSync(scratch)).not.toContain('consumer.js');
  });
});
