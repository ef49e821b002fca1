// The measured process: one warm Lambda container (the bundle loaded once) and, beside it, the
// floor: a bare fetch GET + PUT of the same slice on the same emulator, which is all the function
// has to put on the wire. bench/children.ts starts it with --expose-gc, the servers' environment
// and a WarmOptions JSON argument; it sends back a WarmResult over IPC.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Handler, lambdaContext, loadBundle } from '../tools/local/lambda-runtime.ts';
import { bareGetAndPut } from './bare-fetch.ts';
import type { ServerStats } from './servers.ts';
import { mean, median, quantile } from './stats.ts';

export interface WarmOptions {
  kodexaUrl: string;
  apiKey: string;
  sliceId: string;
  statsUrl: string;
  warmUp: number;
  /** Handler invocations between the two heap readings; 0 skips the memory figures. */
  memoryInvocations: number;
  blocks: number;
  blockSize: number;
}

export interface Latency {
  p50Us: number;
  p99Us: number;
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
  timing: {
    blocks: number;
    blockSize: number;
    medianPairedRatio: number;
    handler: Latency;
    bareFetch: Latency;
    /** Opened while handler and bare fetch alternated; both share fetch's connection pool. */
    connections: number;
  };
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

/**
 * A handler invocation for a new Lambda request id, so it always does GET and PUT, with the
 * completion time a pipeline sends, so CompletionLag is recorded as in production.
 */
function invocation(handler: Handler): () => Promise<unknown> {
  const event = {
    sliceId: options.sliceId,
    lambdaRequestId: randomUUID(),
    completedAt: new Date().toISOString(),
  };
  const context = lambdaContext();
  return () => handler(event, context);
}

/** What the function does on the wire, with nothing around it. */
function bareFetch(): () => Promise<unknown> {
  const lambdaRequestId = randomUUID();
  return () => bareGetAndPut(sliceUrl, options.apiKey, lambdaRequestId);
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
const handlerDurations: number[] = [];
const fetchDurations: number[] = [];
const pairedRatios: number[] = [];
for (let block = 0; block < options.blocks; block++) {
  // Alternate which goes first, so neither always follows the other's garbage.
  const runHandler = () => repeat(options.blockSize, () => invocation(handler));
  const runFetch = () => repeat(options.blockSize, bareFetch);
  let ours: number[];
  let floor: number[];
  if (block % 2 === 0) {
    ours = await runHandler();
    floor = await runFetch();
  } else {
    floor = await runFetch();
    ours = await runHandler();
  }
  handlerDurations.push(...ours);
  fetchDurations.push(...floor);
  pairedRatios.push(mean(ours) / mean(floor));
}
const afterTiming = await serverStats();

const result: WarmResult = {
  firstInvocationUs,
  memory,
  timing: {
    blocks: options.blocks,
    blockSize: options.blockSize,
    medianPairedRatio: median(pairedRatios),
    handler: latency(handlerDurations),
    bareFetch: latency(fetchDurations),
    connections: afterTiming.connections - beforeTiming.connections,
  },
};
if (!process.send) fail('start with an IPC channel: the result goes back over it');
// Exit at once: fetch's pooled keep-alive connection would hold the process open.
process.send(result, () => process.exit(0));
