// npm run test:mutation: StrykerJS mutates functions/ and runs the tests that can see its mutants
// (vitest.mutation.config.ts; docs/testing.md says which and why).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.mutation.config.ts',
    // Most tests reach functions/ through the built bundle, not by importing it: vitest's import
    // graph would relate them to no mutated file.
    related: false,
  },
  mutate: ['functions/**/*.ts'],
  // Without dist/ in the sandbox, the tests' global setup builds the bundle there from the
  // instrumented sources, so the bundle's tests see the mutants; a copied dist/ would hold none.
  ignorePatterns: ['dist', 'cdk.out', '.cache', 'reports', 'bench/results.json'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  // `--incremental` reads and rewrites this committed baseline, so CI (.ci/run) retests only the
  // mutants whose code or covering tests changed since it was last written.
  incrementalFile: 'test/mutation-baseline.json',
  // The run fails below this score: just under the score of the committed code (docs/testing.md).
  thresholds: { high: 95, low: 90, break: 99 },
};
