import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // RTL tests build Verilator models; give them room. Unit tests finish in milliseconds.
    testTimeout: 30 * 60 * 1000,
    hookTimeout: 10 * 60 * 1000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});
