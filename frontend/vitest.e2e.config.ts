import { defineConfig } from 'vitest/config';

// The browser end-to-end test: one file, one worker, long timeouts (a loaded
// 2-core machine with software WebGL).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
