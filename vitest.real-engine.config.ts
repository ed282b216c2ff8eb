import { defineConfig } from 'vitest/config';

// The real-engine suite (test/real-engine): infermark's CLI against llama.cpp's llama-server,
// built by ../shared/real-server/setup.sh; scripts/test.sh runs it as its own stage. One file at
// a time: each file starts its own server, which takes one of the machine's two cores and the
// client the other.
export default defineConfig({
  test: {
    include: ['test/real-engine/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
