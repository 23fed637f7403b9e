import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'testkit',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Each test file in its own process: chdir, signals and umask stay contained, and the
    // addon's clone() always happens from a plain Node main thread.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
