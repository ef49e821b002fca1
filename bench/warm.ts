// The measured process: one warm Lambda container (the bundle loaded once) and, beside it, the
// floor: a bare fetch GET + PUT of the same slice on the same emulator, which is all the function
// has to put on the wire. bench/children.ts starts it with --expose-gc, the servers' environment
// and a WarmOptions JSON argument; it sends back a WarmResult over IPC.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Handler, loadBundle } from '../tools/local/lambda-runtime.ts';
import { bareGetAndPut } from './bare-fetch.ts';
import { batchInvocation, directInvocation } from './events.ts';
import type { ServerStats } from './servers.ts';
import { mean, median, quantile } from './stats.ts';

export interface WarmOptions {
  kodexaUrl: string;
  apiKey: string;
  sliceId: string;
  batchSliceIds: string[];
  statsUrl: string;
  warmUp: number;
  /** Handler invocations between the two heap readings; 0 skips the memory figures. */
  memoryInvocations: number;
  blocks: number;
  blockSize: number;
  /** Batches per block in the batch comparison; 0 skips it. */
  batchBlockSize: number;
}

export interface Latency {
  p50Us: number;
  p99Us: number;
}

/** One side of a comparison: the function, or its floor. */
export interface Side {
  latency: Latency;
  /** CPU time (user + system, the whole process) per completion, median over blocks. */
  cpuUsPerCompletion: number;
}

/** The function against its floor in alternating blocks. */
export interface Comparison {
  blocks: number;
  blockSize: number;
  ours: Side;
  floor: Side;
  /** Medians over pairs of neighbouring blocks of ours / floor. */
  pairedRatio: number;
  pairedCpuRatio: number;
}

export interface WarmResult {
  firstInvocationUs: number;
  memory?: {
    invocations: number;
    heapGrowthMiB: number;
    /** Over the container's whole life: first invocation, warm-up and the measured ones. */
    secretReads: number;
    connections: number;
  };
  /** One completion per invocation (the direct path) against a bare GET + PUT. */
  timing: Comparison & {
    /** Opened while handler and bare fetch alternated; both share fetch's connection pool. */
    connections: number;
  };
  /** Batches of records from the buffer against as many bare GET + PUT at once. */
  batches?: Comparison & { recordsPerBatch: number };
}

const options = JSON.parse(process.argv[2] ?? fail('pass WarmOptions as JSON')) as WarmOptions;
const sliceUrl = `${options.kodexaUrl}/api/orchestrator-execution-slices/${options.sliceId}`;
const gc = globalThis.gc ?? fail('run with --expose-gc');

function fail(message: string): never {
  throw new Error(message);
}

async function serverStats(): Promise<ServerStats> {
  return (await fetch(options.statsUrl)).json() as Promise<ServerStats>;
}

/**
 * The heap still in use once garbage is gone. fetch (undici) keeps each request's abort listener
 * in a FinalizationRegistry until its cleanup task runs, which needs a turn of the event loop
 * after a collection: back-to-back gc() calls leave megabytes of finished requests counted.
 */
async function liveHeap(): Promise<number> {
  for (let round = 0; round < 6; round++) {
    gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

/** One operation's duration in microseconds; whatever it needs is made before the clock starts. */
async function timed(operation: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await operation();
  return Number(process.hrtime.bigint() - started) / 1000;
}

const invocation = (handler: Handler) => directInvocation(handler, options.sliceId);
const batch = (handler: Handler) => batchInvocation(handler, options.batchSliceIds);

/** What the function does on the wire, with nothing around it. */
function bareFetch(): () => Promise<unknown> {
  const lambdaRequestId = randomUUID();
  return () => bareGetAndPut(sliceUrl, options.apiKey, lambdaRequestId);
}

/** The floor of a batch: the same GET + PUT for each of its slices, all at once. */
function bareBatch(): () => Promise<unknown> {
  const puts = options.batchSliceIds.map((sliceId) => {
    const url = `${options.kodexaUrl}/api/orchestrator-execution-slices/${sliceId}`;
    const lambdaRequestId = randomUUID();
    return () => bareGetAndPut(url, options.apiKey, lambdaRequestId);
  });
  return () => Promise.all(puts.map((put) => put()));
}

async function repeat(times: number, next: () => () => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) durations.push(await timed(next()));
  return durations;
}

const latency = (durations: number[]): Latency => ({
  p50Us: quantile(durations, 0.5),
  p99Us: quantile(durations, 0.99),
});

interface Block {
  durations: number[];
  cpuUsPerCompletion: number;
}

async function block(
  size: number,
  completionsPerOperation: number,
  next: () => () => Promise<unknown>,
): Promise<Block> {
  const cpu = process.cpuUsage();
  const durations = await repeat(size, next);
  const { user, system } = process.cpuUsage(cpu);
  return { durations, cpuUsPerCompletion: (user + system) / (size * completionsPerOperation) };
}

/**
 * Blocks of `ours` and of `floor` in turn, alternating which goes first so that neither always
 * follows the other's garbage; each pair of neighbouring blocks gives a ratio of their mean
 * durations and one of their CPU time.
 */
async function compare(
  blocks: number,
  blockSize: number,
  completionsPerOperation: number,
  ours: () => () => Promise<unknown>,
  floor: () => () => Promise<unknown>,
): Promise<Comparison> {
  const sides = { ours: [] as Block[], floor: [] as Block[] };
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let i = 0; i < blocks; i++) {
    const runOurs = () => block(blockSize, completionsPerOperation, ours);
    const runFloor = () => block(blockSize, completionsPerOperation, floor);
    let o: Block;
    let f: Block;
    if (i % 2 === 0) {
      o = await runOurs();
      f = await runFloor();
    } else {
      f = await runFloor();
      o = await runOurs();
    }
    sides.ours.push(o);
    sides.floor.push(f);
    ratios.push(mean(o.durations) / mean(f.durations));
    cpuRatios.push(o.cpuUsPerCompletion / f.cpuUsPerCompletion);
  }
  const side = (of: Block[]): Side => ({
    latency: latency(of.flatMap((b) => b.durations)),
    cpuUsPerCompletion: median(of.map((b) => b.cpuUsPerCompletion)),
  });
  return {
    blocks,
    blockSize,
    ours: side(sides.ours),
    floor: side(sides.floor),
    pairedRatio: median(ratios),
    pairedCpuRatio: median(cpuRatios),
  };
}

const before = await serverStats();
const handler = await loadBundle();
const firstInvocationUs = await timed(invocation(handler));
await repeat(options.warmUp, () => invocation(handler));

let memory: WarmResult['memory'];
if (options.memoryInvocations > 0) {
  const heapBefore = await liveHeap();
  await repeat(options.memoryInvocations, () => invocation(handler));
  const heapAfter = await liveHeap();
  const after = await serverStats();
  memory = {
    invocations: options.memoryInvocations,
    heapGrowthMiB: (heapAfter - heapBefore) / 2 ** 20,
    secretReads: after.secretReads - before.secretReads,
    connections: after.connections - before.connections,
  };
}

await repeat(options.warmUp, bareFetch);
const beforeTiming = await serverStats();
const timing = await compare(
  options.blocks,
  options.blockSize,
  1,
  () => invocation(handler),
  bareFetch,
);
const afterTiming = await serverStats();

let batches: WarmResult['batches'];
if (options.batchBlockSize > 0) {
  const recordsPerBatch = options.batchSliceIds.length;
  const warmUpBatches = Math.ceil(options.warmUp / recordsPerBatch);
  await repeat(warmUpBatches, () => batch(handler));
  await repeat(warmUpBatches, bareBatch);
  batches = {
    ...(await compare(
      options.blocks,
      options.batchBlockSize,
      recordsPerBatch,
      () => batch(handler),
      bareBatch,
    )),
    recordsPerBatch,
  };
}

const result: WarmResult = {
  firstInvocationUs,
  memory,
  timing: { ...timing, connections: afterTiming.connections - beforeTiming.connections },
  batches,
};
if (!process.send) fail('start with an IPC channel: the result goes back over it');
// Exit at once: fetch's pooled keep-alive connection would hold the process open.
process.send(result, () => process.exit(0));
