import { defineConfig } from 'vite';

export default defineConfig({
  // The SDK's analysis worker imports modules: bundle it as an ES module worker.
  worker: { format: 'es' },
  build: {
    // Top-level await in main.ts and module workers.
    target: 'es2022',
    // A demo bundle with RxDB is larger than Vite's default warning limit, and that is fine.
    chunkSizeWarningLimit: 1_500,
  },
});
