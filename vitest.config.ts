import { configDefaults, defineConfig } from 'vitest/config';

// One suite for every backend: binding-facing tests read INFERMARK_BACKEND themselves or
// iterate over both backends; see test/bindings. Forks, not threads: several tests start
// servers and child processes, and the machine has two cores. The real-engine suite needs a
// llama-server build and runs on its own (vitest.real-engine.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/real-engine/**'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
