// The built package: its main entry must load without any node: module (browsers and bundlers),
// which is checked both by walking the import graph of dist/ and by bundling it for the browser.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fullConfig, PACKAGE_DIR } from './fixtures.js';

const DIST = join(PACKAGE_DIR, 'dist');
const require = createRequire(join(PACKAGE_DIR, 'package.json'));
const builtins = new Set(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtins.has(spec.split('/')[0]!);

function specifiers(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const out: string[] = [];
  // Static import/export statements (at the start of a line, possibly spanning lines) and import().
  const statics = /^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  const dynamics = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of code.matchAll(statics)) out.push((m[1] ?? m[2])!);
  for (const m of code.matchAll(dynamics)) out.push(m[1]!);
  return out;
}

/** Every module reachable from `entry`, following relative and package imports. */
function importGraph(entry: string): { files: Set<string>; builtins: Set<string> } {
  const files = new Set<string>();
  const found = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of specifiers(file)) {
      if (isBuiltin(spec)) found.add(spec);
      else visit(spec.startsWith('.') ? resolve(dirname(file), spec) : require.resolve(spec));
    }
  };
  visit(entry);
  return { files, builtins: found };
}

describe('dist import graph', () => {
  it('is built', () => {
    expect(existsSync(join(DIST, 'index.js'))).toBe(true);
  });

  it('reaches no node: module from index.js, typebox included', () => {
    const graph = importGraph(join(DIST, 'index.js'));
    expect([...graph.files].some((f) => f.includes(`${'/'}typebox${'/'}`))).toBe(true);
    expect(graph.files.size).toBeGreaterThan(20);
    expect([...graph.builtins]).toEqual([]);
  });

  // The node-only entries (./node, ./read-file) and the build script; index.js reaches none of them.
  const NODE_ONLY = new Set(['node.js', 'read-file.js', 'write-schema.js']);
  it('imports node: only in node.js, read-file.js and write-schema.js', () => {
    const offenders = readdirSync(DIST)
      .filter((f) => f.endsWith('.js') && !NODE_ONLY.has(f))
      .filter((f) => specifiers(join(DIST, f)).some(isBuiltin));
    expect(offenders).toEqual([]);
  });

  it('sees node:fs in node.js (the scanner finds what it looks for)', () => {
    expect([...importGraph(join(DIST, 'node.js')).builtins]).toEqual(['node:fs']);
  });
});

describe('browser bundle', () => {
  it('bundles index.js for the browser and validates in a context without Node globals', async () => {
    const out = await build({
      entryPoints: [join(DIST, 'index.js')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'nsinitConfig',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    // Only what a browser window also offers; no process, require, Buffer or module.
    const sandbox: Record<string, any> = { TextEncoder, TextDecoder, URL };
    runInNewContext(code, sandbox);
    expect(sandbox.process).toBeUndefined();
    const api = sandbox.nsinitConfig;
    const ok = api.validateConfig(JSON.parse(JSON.stringify(fullConfig())));
    expect(ok.ok).toBe(true);
    const bad = api.validateConfig({ namespaces: { NEWPDI: true } });
    expect(bad.errors.map(api.formatIssue)).toEqual([
      '/namespaces/NEWPDI: unknown namespace; did you mean NEWPID?',
    ]);
    // The OCI config.json reader is part of the same browser-safe entry.
    expect(api.validateOciConfig(api.defaultOciSpec()).ok).toBe(true);
    const oci = api.validateOciConfig({
      ...api.defaultOciSpec(),
      linux: { namespaces: [{ type: 'NEWPID' }] },
    });
    expect(oci.errors.map(api.formatIssue)).toEqual([
      '/linux/namespaces/0/type: unknown namespace type; did you mean pid?',
    ]);
  });

  it('refuses to bundle node.js for the browser (the check can fail)', async () => {
    const attempt = build({
      entryPoints: [join(DIST, 'node.js')],
      bundle: true,
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    await expect(attempt).rejects.toThrow(/node:fs/);
  });
});
