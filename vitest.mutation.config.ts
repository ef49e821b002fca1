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
      // Seconds of interleavings no run repeats (containers, faults and SQS's clock at once): a
      // mutant would be judged by chance. What they check, deterministic tests check too (the
      // batch path: test/unit/batch-handler.test.ts). The second is also a third of the suite's
      // time, which every static mutant would pay again.
      'test/integration/load-and-faults.test.ts',
      'test/integration/buffer.test.ts',
    ],
  },
});
