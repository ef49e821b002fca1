// The one place the function's esbuild options live: `npm run build`, the CDK stack and the
// benchmark's floor bundle all build with them, so the deployed bytes are the tested bytes.
import { readdir, stat, writeFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { keepOwnSourcesInMap } from './own-source-map.ts';
import { bundlePath, metafilePath, root } from './paths.ts';

export const bundleOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
} satisfies esbuild.BuildOptions;

/** One entry point into one ESM file and its source map, as the function is deployed. */
export async function bundle(entryPoint: string, outfile: string): Promise<esbuild.Metafile> {
  const result = await esbuild.build({ ...bundleOptions, entryPoints: [entryPoint], outfile });
  await keepOwnSourcesInMap(`${outfile}.map`);
  return result.metafile;
}

export async function buildFunction(): Promise<esbuild.Metafile> {
  const metafile = await bundle(`${root}functions/slice-completion/index.ts`, bundlePath);
  await writeFile(metafilePath, JSON.stringify(metafile));
  return metafile;
}

/**
 * Rebuilds only when something the bundle is made of changed since it was built, so local tools
 * and tests start fast yet never run an old bundle: a source file, a directory under functions/
 * (its mtime changes when a file in it is added, deleted or renamed), the build's own code, or the
 * installed dependencies (npm rewrites node_modules/.package-lock.json on every install).
 */
export async function buildIfStale(): Promise<void> {
  const entries = await readdir(`${root}functions`, { recursive: true, withFileTypes: true });
  const inputs = [
    `${root}functions`,
    ...entries.map((entry) => `${entry.parentPath}/${entry.name}`),
    `${root}infra/build.ts`,
    `${root}infra/own-source-map.ts`,
    `${root}node_modules/.package-lock.json`,
  ];
  // A missing bundle is older than everything; a missing input, newer.
  const mtime = (path: string, missing: number) =>
    stat(path).then(
      (s) => s.mtimeMs,
      () => missing,
    );
  const built = await mtime(bundlePath, 0);
  const changed = await Promise.all(inputs.map((input) => mtime(input, Number.POSITIVE_INFINITY)));
  if (changed.some((time) => time > built)) await buildFunction();
}

if (import.meta.main) {
  const metafile = await buildFunction();
  const bytes = Object.values(metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  // stderr: `npx cdk synth > template.yaml` runs this first, and its stdout must be the template.
  console.error(`built ${bundlePath} (${(bytes / 1024).toFixed(1)} KiB)`);
}
