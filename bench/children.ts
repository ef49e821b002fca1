// run.ts's side of the child processes: the servers, and the measured function.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundlePath } from '../infra/paths.ts';
import { floorPath, peakRssPath } from './bundles.ts';
import type { BurstOptions, BurstResult } from './burst.ts';
import type { PeakRssOptions } from './peak-rss.ts';
import type { Servers } from './servers.ts';
import { median } from './stats.ts';
import type { WarmOptions, WarmResult } from './warm.ts';

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export interface RunningServers extends Servers {
  stop(): Promise<void>;
}

export async function startServers(): Promise<RunningServers> {
  const child = spawn(process.execPath, [script('servers.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`bench/servers.ts exited with ${code} before it was ready`);
  });
  const [line] = (await Promise.race([once(createInterface(child.stdout), 'line'), exited])) as [
    string,
  ];
  return {
    ...(JSON.parse(line) as Servers),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

export type WarmCounts = Pick<
  WarmOptions,
  'warmUp' | 'memoryInvocations' | 'blocks' | 'blockSize' | 'batchBlockSize'
>;

/** Runs bench/warm.ts in a fresh process with the function's log level, and returns its figures. */
export async function runWarm(
  servers: Servers,
  logLevel: string,
  counts: WarmCounts,
): Promise<WarmResult> {
  const options: WarmOptions = {
    kodexaUrl: servers.env.KODEXA_URL as string,
    apiKey: servers.apiKey,
    sliceId: servers.sliceId,
    batchSliceIds: servers.batchSliceIds,
    statsUrl: servers.statsUrl,
    ...counts,
  };
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      // V8 drops the bytecode of code not run lately (the cold start's) after enough collections,
      // which would hide heap growth behind a shrinking baseline.
      '--no-flush-bytecode',
      // Source maps on as in the deployed function (NODE_OPTIONS in the stack).
      '--enable-source-maps',
      script('warm.ts'),
      JSON.stringify(options),
    ],
    {
      env: { ...process.env, ...servers.env, POWERTOOLS_LOG_LEVEL: logLevel },
      // The function's log lines go to /dev/null: formatting them is its cost, a pipe's speed is not.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  let result: WarmResult | undefined;
  child.on('message', (message) => {
    result = message as WarmResult;
  });
  // 'close', not 'exit': it waits for the IPC channel too, so the result has arrived.
  const [code] = await once(child, 'close');
  if (code !== 0 || !result) throw new Error(`bench/warm.ts exited with ${code} and no result`);
  return result;
}

export interface FirstInvocation {
  runs: number;
  /** Median over runs of ours / floor, each pair run back to back. */
  medianPairedRatio: number;
  oursMs: number;
  floorMs: number;
}

/**
 * A container's whole first invocation, in fresh processes (as deployed, with source maps), the
 * function and the floor in turn, alternating which goes first.
 */
export async function measureFirstInvocation(
  servers: Servers,
  runs: number,
): Promise<FirstInvocation> {
  const runOnce = (variant: 'ours' | 'floor') =>
    firstInvocationMs(servers, variant, variant === 'ours' ? bundlePath : floorPath);
  // One untimed pair first, so every timed run finds node and the bundles in the page cache.
  await runOnce('ours');
  await runOnce('floor');
  const ours: number[] = [];
  const floor: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      ours.push(await runOnce('ours'));
      floor.push(await runOnce('floor'));
    } else {
      floor.push(await runOnce('floor'));
      ours.push(await runOnce('ours'));
    }
  }
  return {
    runs,
    medianPairedRatio: median(ours.map((o, i) => o / (floor[i] ?? 0))),
    oursMs: median(ours),
    floorMs: median(floor),
  };
}

async function firstInvocationMs(
  servers: Servers,
  variant: 'ours' | 'floor',
  bundle: string,
): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', script('first-invocation.ts'), variant, bundle, servers.sliceId],
    {
      env: {
        ...process.env,
        ...servers.env,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      },
      // The function's metric lines go to /dev/null, as in the warm run.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  let elapsedMs: number | undefined;
  child.on('message', (message) => {
    elapsedMs = message as number;
  });
  const [code] = await once(child, 'close');
  if (code !== 0 || elapsedMs === undefined) {
    throw new Error(`bench/first-invocation.ts ${variant} exited with ${code} and no result`);
  }
  return elapsedMs;
}

/** Runs bench/burst.ts in a fresh process and returns its figures. */
export async function runBurst(options: BurstOptions): Promise<BurstResult> {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', script('burst.ts'), JSON.stringify(options)],
    // The function's metric lines go to /dev/null, as in the warm run.
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  let result: BurstResult | undefined;
  child.on('message', (message) => {
    result = message as BurstResult;
  });
  const [code] = await once(child, 'close');
  if (code !== 0 || !result) throw new Error(`bench/burst.ts exited with ${code} and no result`);
  return result;
}

/**
 * The V8 limits Lambda's Node runtime gives a function of this memory size (its bootstrap script):
 * new space a tenth of it, each semi space half of that, old space the rest, in whole MB.
 */
export function lambdaV8Flags(memorySizeMb: number): string[] {
  const newSpace = Math.floor(memorySizeMb / 10);
  return [
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memorySizeMb - newSpace}`,
  ];
}

/** The function's peak RSS in MiB over a warm run, in a fresh process with Lambda's V8 limits. */
export async function measurePeakRss(
  servers: Servers,
  memorySizeMb: number,
  counts: Pick<PeakRssOptions, 'invocations' | 'batches'>,
): Promise<number> {
  const options: PeakRssOptions = {
    bundlePath,
    sliceId: servers.sliceId,
    batchSliceIds: servers.batchSliceIds,
    ...counts,
  };
  const child = spawn(
    process.execPath,
    [
      // As Lambda's runtime starts node, with the stack's NODE_OPTIONS.
      '--expose-gc',
      '--max-http-header-size=81920',
      ...lambdaV8Flags(memorySizeMb),
      '--enable-source-maps',
      peakRssPath,
      JSON.stringify(options),
    ],
    {
      env: {
        ...process.env,
        ...servers.env,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memorySizeMb),
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  let peakMiB: number | undefined;
  child.on('message', (message) => {
    peakMiB = message as number;
  });
  const [code] = await once(child, 'close');
  if (code !== 0 || peakMiB === undefined) {
    throw new Error(`bench/peak-rss.ts at ${memorySizeMb} MB exited with ${code} and no result`);
  }
  return peakMiB;
}
