// A cold start as Lambda pays it: a fresh node process that loads the bundle. The whole process
// is timed from spawn to exit, taking floor and function in turn so drift in the machine's speed
// falls on both alike; an empty module shows how much of that is node itself.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { bundlePath, root } from '../infra/paths.ts';
import { floorPath } from './bundles.ts';
import { median } from './stats.ts';

const emptyPath = `${root}dist/bench/empty.mjs`;
// As deployed: the stack sets NODE_OPTIONS=--enable-source-maps, which makes node read and parse
// each bundle's source map as it loads the bundle.
const SOURCE_MAPS = ['--enable-source-maps'];

export interface ColdStart {
  runs: number;
  /** Median over runs of ours / floor, each pair timed back to back: drift cancels within a pair. */
  medianPairedRatio: number;
  oursMs: number;
  floorMs: number;
  emptyMs: number;
  /** The same two without --enable-source-maps: what parsing the source maps costs. */
  oursNoSourceMapsMs: number;
  floorNoSourceMapsMs: number;
}

type Variant = Exclude<keyof ColdStart, 'runs' | 'medianPairedRatio'>;

export async function measureColdStart(
  runs: number,
  env: Record<string, string | undefined>,
): Promise<ColdStart> {
  await writeFile(emptyPath, '');
  const variants: Record<Variant, { file: string; flags: string[]; samples: number[] }> = {
    oursMs: { file: bundlePath, flags: SOURCE_MAPS, samples: [] },
    floorMs: { file: floorPath, flags: SOURCE_MAPS, samples: [] },
    emptyMs: { file: emptyPath, flags: SOURCE_MAPS, samples: [] },
    oursNoSourceMapsMs: { file: bundlePath, flags: [], samples: [] },
    floorNoSourceMapsMs: { file: floorPath, flags: [], samples: [] },
  };
  const all = Object.values(variants);
  // One untimed round first, so every timed run finds node and the bundles in the page cache.
  for (const { file, flags } of all) timeProcess(file, flags, env);
  for (let run = 0; run < runs; run++) {
    for (const { file, flags, samples } of all) samples.push(timeProcess(file, flags, env));
  }
  const medianOf = (variant: Variant) => median(variants[variant].samples);
  const floorSamples = variants.floorMs.samples;
  return {
    runs,
    medianPairedRatio: median(
      variants.oursMs.samples.map((ours, i) => ours / (floorSamples[i] ?? 0)),
    ),
    oursMs: medianOf('oursMs'),
    floorMs: medianOf('floorMs'),
    emptyMs: medianOf('emptyMs'),
    oursNoSourceMapsMs: medianOf('oursNoSourceMapsMs'),
    floorNoSourceMapsMs: medianOf('floorNoSourceMapsMs'),
  };
}

function timeProcess(
  file: string,
  flags: string[],
  env: Record<string, string | undefined>,
): number {
  const started = performance.now();
  // Lambda's Node runtime imports the handler's module; running it as the entry point is the same
  // ESM load.
  const result = spawnSync(process.execPath, [...flags, file], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`node ${file} exited with ${result.status}: ${result.stderr.toString()}`);
  }
  return elapsed;
}
