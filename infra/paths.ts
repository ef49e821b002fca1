// Where things are in the repository, and where the build writes the function. A leaf module, so
// that the tools, the benchmark and the tests find the root without loading esbuild.
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const functionDir = `${root}dist/slice-completion`;
export const bundlePath = `${functionDir}/index.mjs`;
export const metafilePath = `${root}dist/slice-completion.meta.json`;
