// main() in-process for the commands that need no container (help, version, spec, config).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { defaultConfig, OCI_VERSION, validateConfig } from '@nsinit/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import type { Io } from './command.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'nsinit-cli-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const io: Io = { stdin: new PassThrough(), stdout, stderr, env, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('nsinit main', () => {
  it('prints help and version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: nsinit \[options\] <command>/);
    for (const c of ['exec', 'status', 'spec', 'config'])
      expect(help.out).toMatch(new RegExp(`\\n  ${c} +\\S`));
    const execHelp = await run(['exec', '--help']);
    expect(execHelp.out).toMatch(/^Usage: nsinit exec \[options\] \[--\] <command> \[args...\]/);
    expect(execHelp.out).toMatch(/127 if it was not found/);
    expect((await run(['help', 'status'])).out).toMatch(/--json/);
    // After a subcommand, --help still asks for help (it is no file name)...
    const validateHelp = await run(['config', 'validate', '--help']);
    expect(validateHelp).toMatchObject({ code: 0, err: '' });
    expect(validateHelp.out).toMatch(/^Usage: nsinit config validate \[--strict\] \[file\]/);
    // ...but after exec's command it belongs to that command.
    expect((await run(['exec', 'echo', '--help'])).out).not.toMatch(/^Usage:/);
    const v = await run(['--version']);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    // Unbundled there is no build-time commit; bin.test.ts checks the bundle's.
    expect(v).toMatchObject({ code: 0, out: `nsinit version ${version}\nspec: ${OCI_VERSION}\n` });
  });

  it("lists in a command's help only the options it takes, and refuses the others", async () => {
    const spec = await run(['spec', '--help']);
    expect(spec.out).not.toMatch(/--root DIR|--dir|--debug/);
    expect(spec.out).toMatch(/--help/);
    expect(spec.out).toMatch(/--rootless/);
    expect(await run(['spec', '--root', '/x'])).toMatchObject({
      code: 2,
      err: "nsinit: unknown option '--root' for spec\n",
    });
    const exec = await run(['exec', '--help']);
    expect(exec.out).toMatch(/--stop-timeout SECONDS/);
    expect(exec.out).toMatch(/--stop-signal SIGNAL/);
    expect(exec.out).toMatch(/--root DIR/);
    expect((await run(['status', '--help'])).out).not.toMatch(/--stop-timeout/);
  });

  it('refuses bad stop options and an empty command in its own words', async () => {
    expect(await run(['exec', '--stop-timeout', 'soon', 'true'])).toMatchObject({
      code: 125,
      err: "nsinit: --stop-timeout: 'soon' is not a number of seconds (0-86400)\n",
    });
    expect(await run(['exec', '--stop-signal', 'SIGNOPE', 'true'])).toMatchObject({
      code: 125,
      err: "nsinit: --stop-signal: 'SIGNOPE' is not a signal name (e.g. SIGTERM, SIGINT)\n",
    });
    const empty = await run(['exec', '']);
    expect(empty.code).toBe(125);
    expect(empty.err).toMatch(/^nsinit: exec: the command is an empty string/);
    expect(empty.err).not.toMatch(/option/);
  });

  it('reports usage errors: 125 for exec, 2 for the rest', async () => {
    expect(await run(['exec', '--bogus', 'ls'])).toMatchObject({
      code: 125,
      err: "nsinit: unknown option '--bogus' for exec\n",
    });
    expect(await run(['status', '--bogus'])).toMatchObject({
      code: 2,
      err: "nsinit: unknown option '--bogus' for status\n",
    });
    expect(await run(['frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown command 'frobnicate'/),
    });
    expect((await run([])).code).toBe(2);
    expect(await run(['exec'])).toMatchObject({
      code: 125,
      err: expect.stringMatching(/exec needs a command/),
    });
  });

  it('spec prints the default config as 2-space JSON that validates', async () => {
    const { code, out } = await run(['spec']);
    expect(code).toBe(0);
    expect(out).toBe(`${JSON.stringify(defaultConfig(), null, 2)}\n`);
    expect(validateConfig(JSON.parse(out)).ok).toBe(true);
  });

  it('config validate lists every issue with its path and exits 1', async () => {
    writeFileSync(
      join(cwd, 'container.json'),
      JSON.stringify({ hostname: 5, capabilities: ['NOT_A_CAP'], namespaces: { NEWNS: true } }),
    );
    const bad = await run(['config', 'validate']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/container\.json: error: \/hostname: /);
    expect(bad.err).toMatch(/error: \/capabilities\/0: /);
    expect(bad.err).toMatch(/is not valid \(2 errors\)/);
  });

  it('config validate prints warnings and exits 0 for a valid file, also via --root and data_path', async () => {
    const data = join(cwd, 'data');
    const other = join(cwd, 'other.json');
    writeFileSync(other, JSON.stringify({ ...defaultConfig(), extra_key: 1 }));
    const ok = await run(['config', 'validate', 'other.json']);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe(`${other}: valid\n`);
    expect(ok.err).toMatch(/warning: \/extra_key/);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data);
    writeFileSync(join(data, 'container.json'), JSON.stringify(defaultConfig()));
    expect((await run(['--root', 'data', 'config', 'validate'])).out).toBe(
      `${join(data, 'container.json')}: valid\n`,
    );
    expect((await run(['config', 'validate'], { data_path: data })).code).toBe(0);
    expect(await run(['config', 'validate', 'missing.json'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^nsinit: .*missing\.json/),
    });
  });
});
