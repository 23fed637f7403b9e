import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'native',
    include: ['lib/**/*.test.ts', 'test/**/*.test.ts'],
    // clone() must come from a plain Node main thread; each file gets its own process.
    pool: 'forks',
    testTimeout: 30_000,
  },
});
