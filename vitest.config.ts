import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Two cores: keep parallel test files bounded so servers and worker threads do not starve each other.
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
