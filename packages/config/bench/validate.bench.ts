// Cost of validating a container.json (runs on every container start): the 2014 sample and a config
// with every field, valid and with errors. Run: pnpm --filter @nsinit/config bench
import { existsSync, readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import { isContainerConfig, validateConfig } from '../src/index.js';
import { fullConfig, SAMPLE_PATH } from '../test/fixtures.js';

const sample = existsSync(SAMPLE_PATH) ? JSON.parse(readFileSync(SAMPLE_PATH, 'utf8')) : fullConfig();
const full = fullConfig();
const broken = { ...fullConfig(), tty: 'yes', hostnme: 'x', namespaces: { NEWPDI: true } };

describe('validateConfig', () => {
  bench('2014 sample', () => {
    validateConfig(sample);
  });
  bench('every field set', () => {
    validateConfig(full);
  });
  bench('3 issues (error path)', () => {
    validateConfig(broken);
  });
  bench('compiled type guard only (sample)', () => {
    isContainerConfig(sample);
  });
});
