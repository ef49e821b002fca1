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
  // No thresholds.break yet: the lead sets it once the score has settled.
};
