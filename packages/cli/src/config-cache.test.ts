// The validated-config cache: content-addressed entries in a directory only we can write, used only
// for byte-identical text validated by the same validator; invalid configs are never cached.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, validateConfig } from '@nsinit/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigCache, cachedConfig, contentKey, defaultCache } from './config-cache.js';

let base: string;
let rootfs: string;
let cache: ConfigCache;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'nsinit-config-cache-'));
  rootfs = join(base, 'rootfs');
  mkdirSync(rootfs);
  cache = { dir: join(base, 'cache'), validator: 'v1' };
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const write = (text: string) => writeFileSync(join(rootfs, 'container.json'), text);
const entryPath = (text: string) => join(cache.dir, `${contentKey(text)}.json`);

describe('cachedConfig', () => {
  it('validates a new config, stores it privately, and answers the same text from the entry', async () => {
    const text = JSON.stringify({ ...defaultConfig(), hostname: 'one' });
    write(text);
    const first = await cachedConfig(rootfs, undefined, cache);
    const expected = validateConfig(JSON.parse(text));
    expect(expected.ok).toBe(true);
    expect(first).toEqual(expected.ok ? { config: expected.config, warnings: [] } : null);
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700);
    expect(statSync(entryPath(text)).mode & 0o777).toBe(0o600);
    // Prove the second answer comes from the entry: edit the stored config, keep its source.
    const entry = JSON.parse(readFileSync(entryPath(text), 'utf8'));
    entry.config.hostname = 'from-the-cache';
    writeFileSync(entryPath(text), JSON.stringify(entry));
    expect(await cachedConfig(rootfs, undefined, cache)).toMatchObject({
      config: { hostname: 'from-the-cache' },
    });
  });

  it('never uses an entry for other text, another validator, or a directory others can write', async () => {
    const text = JSON.stringify({ ...defaultConfig(), hostname: 'two' });
    write(text);
    await cachedConfig(rootfs, undefined, cache);
    const entry = JSON.parse(readFileSync(entryPath(text), 'utf8'));
    entry.config.hostname = 'planted';
    writeFileSync(entryPath(text), JSON.stringify(entry));
    // Same key, different text (a forged collision): the text is compared, not just the key.
    const other = `${text} `;
    writeFileSync(entryPath(other), JSON.stringify(entry));
    write(other);
    expect(await cachedConfig(rootfs, undefined, cache)).toMatchObject({ config: { hostname: 'two' } });
    write(text);
    expect(await cachedConfig(rootfs, undefined, { ...cache, validator: 'v2' })).toMatchObject({
      config: { hostname: 'two' },
    });
    writeFileSync(entryPath(text), JSON.stringify(entry));
    chmodSync(cache.dir, 0o777);
    expect(await cachedConfig(rootfs, undefined, cache)).toMatchObject({ config: { hostname: 'two' } });
  });

  it('keeps the warnings of a config in its entry, so a cached answer still reports them', async () => {
    const text = JSON.stringify({ ...defaultConfig(), hostnme: 'typo' });
    write(text);
    const first = await cachedConfig(rootfs, undefined, cache);
    expect(first?.warnings).toEqual(['/hostnme: unknown key, ignored; did you mean "hostname"?']);
    const entry = JSON.parse(readFileSync(entryPath(text), 'utf8'));
    entry.config.hostname = 'from-the-cache';
    writeFileSync(entryPath(text), JSON.stringify(entry));
    const second = await cachedConfig(rootfs, undefined, cache);
    expect(second).toMatchObject({ config: { hostname: 'from-the-cache' }, warnings: first?.warnings });
    // An entry without warnings (an older format) is not trusted to have none.
    delete entry.warnings;
    writeFileSync(entryPath(text), JSON.stringify(entry));
    expect((await cachedConfig(rootfs, undefined, cache))?.config.hostname).not.toBe('from-the-cache');
  });

  it('caches nothing for invalid or unreadable configs and leaves them to the runtime', async () => {
    write('{"hostname": 5}');
    expect(await cachedConfig(rootfs, undefined, cache)).toBeUndefined();
    write('{ not json');
    expect(await cachedConfig(rootfs, undefined, cache)).toBeUndefined();
    rmSync(join(rootfs, 'container.json'));
    expect(await cachedConfig(rootfs, undefined, cache)).toBeUndefined();
    expect(await cachedConfig(join(base, 'missing'), undefined, cache)).toBeUndefined();
    expect(readdirSync(base)).not.toContain('cache');
  });

  it('reads container.json from the data directory when one is given', async () => {
    const data = join(base, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'container.json'), JSON.stringify({ ...defaultConfig(), hostname: 'data' }));
    write(JSON.stringify({ ...defaultConfig(), hostname: 'rootfs' }));
    expect(await cachedConfig(rootfs, data, cache)).toMatchObject({ config: { hostname: 'data' } });
  });

  it('keeps at most 64 entries, dropping the oldest', async () => {
    for (let i = 0; i < 70; i++) {
      write(JSON.stringify({ ...defaultConfig(), hostname: `h${i}` }));
      await cachedConfig(rootfs, undefined, cache);
    }
    expect(readdirSync(cache.dir).filter((n) => n.endsWith('.json')).length).toBeLessThanOrEqual(64);
  });

  it('is off without a bundled validator identity or when NSINIT_CONFIG_CACHE=off', async () => {
    // Unbundled (this test): no build identity, so never a cache.
    expect(defaultCache({})).toBeNull();
    expect(defaultCache({ NSINIT_CONFIG_CACHE: 'off' })).toBeNull();
    expect(await cachedConfig(rootfs, undefined, null)).toBeUndefined();
  });
});
