// npm run test:mutation: the tests that can see Stryker's mutants and check the function
// (docs/testing.md says which and why).
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      // npm run failures' own parts: the function's code is not what they check.
      'test/unit/failures.test.ts',
      // Ten seconds of interleavings no run repeats: a mutant would be judged by chance. What it
      // checks, deterministic tests check too.
      'test/integration/load-and-faults.test.ts',
    ],
  },
});
