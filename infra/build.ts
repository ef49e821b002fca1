// The one place the function's esbuild options live: `npm run build`, the CDK stack and the
// benchmark's floor bundle all build with them, so the deployed bytes are the tested bytes.
import { readdir, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { keepOwnSourcesInMap } from './own-source-map.ts';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const functionDir = `${root}dist/slice-completion`;
export const bundlePath = `${functionDir}/index.mjs`;
export const metafilePath = `${root}dist/slice-completion.meta.json`;

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

/** Rebuilds only when a source file is newer than the bundle, so local tools start fast. */
export async function buildIfStale(): Promise<void> {
  const built = await stat(bundlePath).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = await readdir(`${root}functions`, { recursive: true, withFileTypes: true });
  for (const entry of sources) {
    if (!entry.isFile()) continue;
    if ((await stat(`${entry.parentPath}/${entry.name}`)).mtimeMs > built) {
      await buildFunction();
      return;
    }
  }
}

if (import.meta.main) {
  const metafile = await buildFunction();
  const bytes = Object.values(metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
  console.log(`built ${bundlePath} (${(bytes / 1024).toFixed(1)} KiB)`);
}
