import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = {
  '@': fileURLToPath(new URL('.', import.meta.url)),
  'server-only': fileURLToPath(new URL('./lib/testing/server-only-stub.ts', import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      // A loaded 2-core machine can take several seconds for a test that takes 0.5 s alone: no
      // unit test may fail for vitest's 5 s default (speed targets live in the benchmarks).
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'components/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        // Real QEMU under TCG: slow, so patient timeouts and one file at a time (2 cores).
        test: {
          name: 'integ',
          include: ['lib/**/*.integ.ts', 'scripts/**/*.integ.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
