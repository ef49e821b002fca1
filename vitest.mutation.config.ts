// npm run test:mutation: the tests that can see Stryker's mutants (see docs/testing.md).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
  },
});
