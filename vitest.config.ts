import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // Browser tests (tests/browser/**) need a built web app and a browser; a quick local run can
    // leave them out with SHOUFU_SKIP_BROWSER=1.
    exclude: [...configDefaults.exclude, ...(process.env.SHOUFU_SKIP_BROWSER ? ['tests/browser/**'] : [])],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite is a WASM PostgreSQL of ~40 MB per instance: separate processes, modest parallelism.
    pool: 'forks',
    maxWorkers: 2,
  },
});
