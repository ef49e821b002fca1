// npm run test:runtime: the bundle under AWS's own Lambda runtime client (test/runtime/).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/runtime/**/*.test.ts'],
    globalSetup: ['test/runtime/global-setup.ts'],
    testTimeout: 20_000,
  },
});
