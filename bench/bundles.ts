// Builds the function exactly as `npm run build` does, and the floor the same way, so the two
// sizes differ only by what the function adds to the SDK client.
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildFunction, bundle } from '../infra/build.ts';
import { bundlePath, root } from '../infra/paths.ts';

export const floorPath = `${root}dist/bench/floor.mjs`;

export interface BundleSizes {
  oursBytes: number;
  floorBytes: number;
}

export async function buildBundles(): Promise<BundleSizes> {
  // Always rebuilt (it takes well under a second): the figures must be of the current sources.
  await buildFunction();
  await bundle(fileURLToPath(new URL('floor-entry.ts', import.meta.url)), floorPath);
  const [oursBytes, floorBytes] = await Promise.all(
    [bundlePath, floorPath].map(async (path) => (await stat(path)).size),
  );
  return { oursBytes: oursBytes as number, floorBytes: floorBytes as number };
}
