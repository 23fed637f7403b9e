// What `nsinit --version` and `nsinit-oci --version` print, in runc's format: the package version,
// the commit of the checkout it was built from, and the OCI runtime-spec version it implements.
// The bundler (scripts/bundle.mjs) fixes all three at build time; unbundled (tests, the library
// entry) they are read from package.json and @nsinit/config.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

declare const __NSINIT_VERSION__: string | undefined;
declare const __NSINIT_COMMIT__: string | undefined;
declare const __NSINIT_SPEC_VERSION__: string | undefined;

export function version(): string {
  if (typeof __NSINIT_VERSION__ === 'string') return __NSINIT_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The runtime-spec version of the state, features and `spec` output (@nsinit/config's OCI_VERSION). */
export function specVersion(): string {
  if (typeof __NSINIT_SPEC_VERSION__ === 'string') return __NSINIT_SPEC_VERSION__;
  return (createRequire(import.meta.url)('@nsinit/config') as { OCI_VERSION: string }).OCI_VERSION;
}

/** `<name> version X`, `commit: <sha>[-dirty]` when built from a git checkout, `spec: <version>`. */
export function versionText(name: string): string {
  const commit = typeof __NSINIT_COMMIT__ === 'string' && __NSINIT_COMMIT__ ? __NSINIT_COMMIT__ : null;
  return `${name} version ${version()}\n${commit ? `commit: ${commit}\n` : ''}spec: ${specVersion()}\n`;
}
