import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build-bundle.ts'],
    // One fresh worker per file, as by default, said explicitly to silence vitest's hint that
    // `isolate: false` is faster: test files set process.env for the bundles they load and patch
    // process.stdout, so sharing a worker would let one file's settings leak into the next, and
    // would save under a second.
    isolate: true,
    // Under AWS's runtime client, with a native build on first use: npm run test:runtime.
    exclude: [...configDefaults.exclude, 'test/runtime/**'],
    testTimeout: 20_000,
    // Each CDK synth takes seconds; a busy 2-core machine doubles that.
    hookTimeout: 60_000,
  },
});
