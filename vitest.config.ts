import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Two cores: keep parallel test files bounded so servers and worker threads do not starve each other.
    maxWorkers: 2,
    // Generous: on 2 busy cores a replication round can take tens of seconds; a hang still ends.
    testTimeout: 120_000,
  },
});
