// loadConfig / readConfigResult against real files in a temp dir: errno fields of open(2)/read(2)
// failures, invalid JSON positions and validation issues, all naming the file.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fullConfig, PACKAGE_DIR } from '../test/fixtures.js';
import { ConfigError, defaultOciSpec } from './index.js';
import { loadConfig, loadOciConfig, readConfigResult, readOciConfigResult } from './node.js';

// The built entry point, as a child process cannot load TypeScript sources.
const NODE_ENTRY = join(PACKAGE_DIR, 'dist', 'node.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns the validated config', () => {
    const file = write('container.json', fullConfig());
    expect(loadConfig(file)).toEqual(fullConfig());
  });

  it('throws ERR_NSINIT_INVALID_CONFIG naming the file and the first issue', () => {
    const bad = fullConfig() as Record<string, any>;
    bad.cgroups.memory = '512m';
    const file = write('container.json', bad);
    const err = thrown(() => loadConfig(file));
    expect(err.code).toBe('ERR_NSINIT_INVALID_CONFIG');
    expect(err.path).toBe(file);
    expect(err.message).toBe(
      `invalid config ${file}: /cgroups/memory: expected a number of bytes, got "512m"`,
    );
    expect(err.errors).toEqual([
      { path: '/cgroups/memory', message: 'expected a number of bytes, got "512m"', value: '512m' },
    ]);
  });

  it('says how many more issues there are', () => {
    const bad = fullConfig() as Record<string, any>;
    bad.cgroups.memory = '512m';
    bad.tty = 'yes';
    bad.namespaces.NEWPDI = true;
    const file = write('container.json', bad);
    const err = thrown(() => loadConfig(file));
    expect(err.message).toBe(`invalid config ${file}: /tty: expected true or false, got "yes" (and 2 more)`);
    expect(err.errors).toHaveLength(3);
  });

  it('applies strict mode', () => {
    const file = write('container.json', { ...fullConfig(), hostnme: 'x' });
    expect(loadConfig(file).hostname).toBe('full');
    const err = thrown(() => loadConfig(file, { strict: true }));
    expect(err.message).toBe(`invalid config ${file}: /hostnme: unknown key; did you mean "hostname"?`);
  });

  it('keeps the errno fields of a missing file', () => {
    const file = join(dir, 'missing.json');
    const err = thrown(() => loadConfig(file));
    expect(err).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'open', path: file, errors: [] });
    expect(err.message).toBe(`cannot read config ${file}: ENOENT: no such file or directory, open '${file}'`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('keeps the errno fields of a directory', () => {
    const err = thrown(() => loadConfig(dir));
    expect(err).toMatchObject({ code: 'EISDIR', errno: -21, syscall: 'read', path: dir });
  });

  it('keeps the errno fields of an unreadable file (read as an unprivileged user)', (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip('needs root to switch to an unprivileged uid');
    const file = write('secret.json', '{}');
    chmodSync(dir, 0o755);
    chmodSync(file, 0);
    // Root bypasses file modes (CAP_DAC_OVERRIDE), so a child drops to nobody before reading.
    const script = `
      process.setgid(65534); process.setuid(65534);
      const { loadConfig } = await import(${JSON.stringify(NODE_ENTRY)});
      try { loadConfig(${JSON.stringify(file)}); } catch (e) {
        console.log(JSON.stringify({ name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path }));
      }`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      name: 'ConfigError',
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
      path: file,
    });
  });

  it('reports invalid JSON with its line and column', () => {
    const file = write('container.json', '{\n  "hostname": "x",\n  oops\n}');
    const err = thrown(() => loadConfig(file));
    expect(err.code).toBe('ERR_NSINIT_INVALID_CONFIG');
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]!.path).toBe('');
    expect(err.errors[0]!.message).toBe(
      'invalid JSON at line 3 column 3: expected double-quoted property name in JSON',
    );
    expect(err.message).toMatch(new RegExp(`^invalid config ${file}: /: invalid JSON at line 3 column 3`));
  });

  it('reports an empty file as invalid JSON', () => {
    const file = write('container.json', '');
    expect(thrown(() => loadConfig(file)).errors[0]!.message).toMatch(
      /^invalid JSON: unexpected end of JSON input/,
    );
  });
});

describe('readConfigResult', () => {
  it('returns every issue and the file instead of throwing', () => {
    const bad = fullConfig() as Record<string, any>;
    bad.cgroups.memory = '512m';
    bad.hostnme = 'x';
    const file = write('container.json', bad);
    const result = readConfigResult(file);
    expect(result.ok).toBe(false);
    expect(result.path).toBe(file);
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(['/cgroups/memory']);
    expect(result.warnings.map((w) => w.path)).toEqual(['/hostnme']);
  });

  it('returns the config and warnings of a valid file', () => {
    const { tty: _tty, ...rest } = fullConfig();
    const file = write('container.json', { ...rest, Tty: true });
    const result = readConfigResult(file);
    expect(result.ok && result.config.tty).toBe(true);
    expect(result.warnings.map((w) => w.message)).toEqual([
      'key differs from "tty" only by case; read as "tty"',
    ]);
  });

  it('returns invalid JSON as a result too', () => {
    const file = write('container.json', '[1,');
    const result = readConfigResult(file);
    expect(result.ok).toBe(false);
    expect(result.path).toBe(file);
  });
});

describe('loadOciConfig / readOciConfigResult', () => {
  it('returns the validated config.json', () => {
    const file = write('config.json', defaultOciSpec());
    expect(loadOciConfig(file)).toEqual(defaultOciSpec());
  });

  it('throws a ConfigError naming the file and the first issue', () => {
    const file = write('config.json', { ...defaultOciSpec(), ociVersion: '0.6.0' });
    const err = thrown(() => loadOciConfig(file));
    expect(err.message).toBe(
      `invalid config ${file}: /ociVersion: unsupported runtime-spec version; expected 1.0.0 through 1.2.x, got "0.6.0"`,
    );
    expect(err.code).toBe('ERR_NSINIT_INVALID_CONFIG');
  });

  it('reports invalid JSON with its line and column, and read failures with their errno', () => {
    const file = write('config.json', '{\n  "ociVersion": "1.2.0",\n  oops\n}');
    const r = readOciConfigResult(file);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]!.message).toMatch(/^invalid JSON at line 3 column 3: /);
    expect(r.path).toBe(file);
    expect(thrown(() => loadOciConfig(join(dir, 'missing.json'))).code).toBe('ENOENT');
  });
});
