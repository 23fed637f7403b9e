// The 2014 reference sample (read from ../shared/reference, never copied) and our examples/.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, EXPECTED_SCHEMA_PATH, PACKAGE_DIR, SKIP_SAMPLE, sampleText } from '../test/fixtures.js';
import { formatIssue, SCHEMA_ID, validateConfig } from './index.js';

describe('the 2014 sample container.json', () => {
  it('validates with no errors and no warnings', (ctx) => {
    const text = sampleText();
    if (text === undefined) return ctx.skip(SKIP_SAMPLE);
    const result = validateConfig(JSON.parse(text));
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(validateConfig(JSON.parse(text), { strict: true }).ok).toBe(true);
  });

  it('round-trips byte for byte (keys, order and values unchanged, nothing added)', (ctx) => {
    const text = sampleText();
    if (text === undefined) return ctx.skip(SKIP_SAMPLE);
    const result = validateConfig(JSON.parse(text));
    if (!result.ok) throw new Error('sample rejected');
    expect(JSON.stringify(result.config, null, 4)).toBe(text.replace(/\n$/, ''));
    const again = validateConfig(result.config);
    expect(again.ok && again.config).toEqual(result.config);
  });

  it('decodes to what libcontainer v1.0.1 container_test.go asserted', (ctx) => {
    const text = sampleText();
    if (text === undefined) return ctx.skip(SKIP_SAMPLE);
    const result = validateConfig(JSON.parse(text));
    if (!result.ok) throw new Error('sample rejected');
    const c = result.config;
    expect(c.hostname).toBe('koye');
    expect(c.tty).toBe(true);
    expect(c.namespaces?.NEWNET).toBe(true);
    expect(c.namespaces?.NEWUSER).toBeUndefined();
    expect(c.capabilities).not.toContain('SYS_ADMIN');
    expect(c.capabilities).toContain('MKNOD');
    expect(c.capabilities).toContain('SYS_CHROOT');
    expect(c.cgroups?.allowed_devices).toHaveLength(14);
    expect(c.device_nodes).toHaveLength(7);
    expect(c.context?.restrictions).toBe('true');
    expect(c.networks?.[1]?.context).toEqual({ bridge: 'docker0', prefix: 'veth' });
  });
});

describe('examples/', () => {
  it.each(EXAMPLES)('$name validates with no errors and no warnings', ({ path }) => {
    const result = validateConfig(JSON.parse(readFileSync(path, 'utf8')), { strict: true });
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it.each(EXAMPLES)('$name points $schema at the published schema.json', ({ path }) => {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { $schema: string };
    expect(resolve(dirname(path), json.$schema)).toBe(EXPECTED_SCHEMA_PATH);
    expect(relative(PACKAGE_DIR, EXPECTED_SCHEMA_PATH)).toBe('schema.json');
    const schema = JSON.parse(readFileSync(EXPECTED_SCHEMA_PATH, 'utf8')) as { $id: string };
    expect(schema.$id).toBe(SCHEMA_ID);
  });
});
