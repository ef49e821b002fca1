// Builds the function exactly as `npm run build` does, and the floor the same way, so the two
// sizes differ only by what the function adds to the SDK client; and what each package puts in
// each bundle, from esbuild's metafile.
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { buildFunction, bundle } from '../infra/build.ts';
import { bundlePath, root } from '../infra/paths.ts';

export const floorPath = `${root}dist/bench/floor.mjs`;
export const peakRssPath = `${root}dist/bench/peak-rss.mjs`;

export interface BundleSizes {
  oursBytes: number;
  floorBytes: number;
  /** Bytes in each bundle by package (`functions/` for our own code). */
  oursByPackage: Record<string, number>;
  floorByPackage: Record<string, number>;
}

export async function buildBundles(): Promise<BundleSizes> {
  // Always rebuilt (it takes well under a second): the figures must be of the current sources.
  const ours = await buildFunction();
  const floor = await bundle(fileURLToPath(new URL('floor-entry.ts', import.meta.url)), floorPath);
  await bundle(fileURLToPath(new URL('peak-rss.ts', import.meta.url)), peakRssPath);
  const [oursBytes, floorBytes] = await Promise.all(
    [bundlePath, floorPath].map(async (path) => (await stat(path)).size),
  );
  return {
    oursBytes: oursBytes as number,
    floorBytes: floorBytes as number,
    oursByPackage: byPackage(ours),
    floorByPackage: byPackage(floor),
  };
}

const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** The bytes each package's modules take in the one output of a bundle. */
function byPackage(metafile: Metafile): Record<string, number> {
  const [output] = Object.values(metafile.outputs).filter((o) => o.entryPoint);
  if (!output) throw new Error('the metafile has no output with an entry point');
  const bytes: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = PACKAGE.exec(input)?.[1] ?? input.split('/')[0] ?? input;
    bytes[name] = (bytes[name] ?? 0) + bytesInOutput;
  }
  return bytes;
}
