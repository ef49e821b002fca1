import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Under AWS's runtime client, with a native build on first use: npm run test:runtime.
    exclude: [...configDefaults.exclude, 'test/runtime/**'],
    testTimeout: 20_000,
  },
});
