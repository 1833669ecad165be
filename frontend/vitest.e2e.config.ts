import { defineConfig } from 'vitest/config';

// The browser end-to-end tests: one file at a time, long timeouts (a loaded
// 2-core machine with software WebGL). The performance measurements
// (e2e/perf.e2e.ts) run only on demand, with CITYGRID_PERF=1 (npm run perf):
// a measurement is not a test, and a test that passes by skipping checks
// nothing. e2e/weight.e2e.ts runs with the others: it prints figures, but
// what it asserts (a byte budget, cache hits) does not depend on the machine.
const perf = !!process.env.CITYGRID_PERF;

export default defineConfig({
  test: {
    include: perf ? ['e2e/perf.e2e.ts'] : ['e2e/**/*.e2e.ts'],
    exclude: perf ? [] : ['e2e/perf.e2e.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
