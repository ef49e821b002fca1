// `npm run bench`: builds, measures the function against its floors, prints the figures as a
// Markdown table and writes them to bench/results.json. `--check` exits 1 when a figure is over
// budget; `--size-only` measures the bundle size alone (deterministic, no servers: what CI runs);
// `--burst` drains a burst through the SQS buffer instead, and the same burst as direct invocations,
// and prints what each path costs.
import { writeFile } from 'node:fs/promises';
import { readCommandLine, type Tool } from '../tools/cli.ts';
import { type BundleSizes, buildBundles } from './bundles.ts';
import type { BurstOptions, BurstResult } from './burst.ts';
import {
  type FirstInvocation,
  measureFirstInvocation,
  measurePeakRss,
  runBurst,
  runWarm,
  startServers,
  type WarmCounts,
} from './children.ts';
import { type ColdStart, measureColdStart } from './cold-start.ts';
import { breakEvenLatencyMs, costPerMillion, type PathCost, PRICES } from './cost.ts';
import { type Figure, machine, markdown, table, withinBudget } from './report.ts';
import type { StackSettings } from './template-settings.ts';
import type { Comparison, WarmResult } from './warm.ts';

// Logging off, so the figures are the function's work and not Powertools' JSON formatting; an
// extra INFO row shows what logging adds.
const LOG_LEVEL = 'SILENT';
const COLD_RUNS = 41;
const FIRST_INVOCATION_RUNS = 31;
const WARM: WarmCounts = {
  warmUp: 200,
  memoryInvocations: 3000,
  blocks: 30,
  blockSize: 50,
  batchBlockSize: 5,
};
const WARM_INFO: WarmCounts = { ...WARM, memoryInvocations: 0, blocks: 10, batchBlockSize: 0 };
/** Memory sizes tried for the peak RSS: Lambda's smallest, then steps of 32 MB. */
const MEMORY_SIZES = [128, 160, 192, 224, 256];
const PEAK_RSS_RUN = { invocations: 2000, batches: 200 };
/**
 * What --check holds the figures to: what the committed code meets with margin on a 2-core machine
 * shared with other work (docs/performance.md, Budgets, has each one's reasons and runs). Ratios
 * to a floor, except where a unit is named.
 */
const BUDGETS = {
  /** Deterministic: the margin is room for about 8 KB more code, not noise. */
  bundleSize: 1.35,
  coldStart: 1.2,
  firstInvocation: 1.4,
  warmP50: 1.5,
  cpuDirect: 1.45,
  cpuBatch: 1.45,
  heapGrowthMiB: 2,
  /** Of the memory size, at the stack's default (the rule that chose the default). */
  peakRssShare: 0.7,
  burstDrain: 1.5,
  burstRequestsPerCompletion: 2.3,
  /** The burst's cost through the buffer against the direct path under the same burst. */
  burstCost: 0.5,
  /** Not checked: with Kodexa not pushing back, at the latency below (docs/performance.md). */
  noPushbackCost: 1,
};
/**
 * How long a real Kodexa takes to answer each request: Lambda reaches it across a network
 * (another region or the internet, some tens of milliseconds of round trip) and it reads or
 * writes its database before it answers. The loopback emulator alone answers in well under a
 * millisecond, which leaves the direct path almost nothing to wait for.
 */
const KODEXA_LATENCY_MS = 50;
const BURST = {
  completions: 2000,
  duplicates: 200,
  invalid: 60,
  kodexaRequestsPerSecond: 100,
  kodexaLatencyMs: KODEXA_LATENCY_MS,
  through: 'buffer',
  /** Enough for a steady sum of billed time: at 50 ms, Kodexa's latency is nearly all of it. */
  directInvocations: 50,
  directContainers: 0,
  seed: 20261204,
} satisfies Omit<BurstOptions, 'settings'>;

const BENCH = {
  command: 'npm run bench',
  usage: ['[-- --check] [--size-only | --burst]'],
  about:
    'Builds, measures the function against its floors (bundle size, cold start, first and warm\n' +
    'invocations, CPU per completion, memory, secret reads, connections), prints the figures as a\n' +
    'Markdown table and writes them to bench/results.json. Takes about three minutes; needs no AWS.',
  options: {
    check: { type: 'boolean', default: false, help: 'exit 1 when a figure is over its budget' },
    'size-only': {
      type: 'boolean',
      default: false,
      help: 'the bundle size alone: deterministic, no servers (what npm test checks)',
    },
    burst: {
      type: 'boolean',
      default: false,
      help: `instead: ${BURST.completions.toLocaleString('en-US')} completions at once through the SQS buffer against a rate-limited Kodexa, and as direct invocations, and each path's cost per million (about two minutes)`,
    },
  },
  exitCodes: {
    0: 'measured (with --check: every figure within its budget)',
    1: 'with --check: a figure over its budget, named on stderr',
    2: 'nothing measured: a mistake on the command line',
  },
} satisfies Tool;

const started = performance.now();
const { values: args } = readCommandLine(BENCH);

const sizes = await buildBundles();
const figures: Figure[] = [
  {
    figure: 'bundle size',
    unit: 'bytes',
    ours: sizes.oursBytes,
    floor: sizes.floorBytes,
    value: sizes.oursBytes / sizes.floorBytes,
    ratio: true,
    budget: { max: BUDGETS.bundleSize },
  },
];
const tables: string[] = [];
const notes: string[] = [];
const details: Record<string, unknown> = { sizes };

if (args.burst) {
  // Loaded only here: synthesizing the stack loads the CDK.
  const { stackSettings } = await import('./template-settings.ts');
  const settings = stackSettings();
  const burst: BurstOptions = { ...BURST, settings };
  const unlimited = { kodexaRequestsPerSecond: undefined };
  const runs: BurstRuns = {
    limited: await runBurst(burst),
    // As many containers as the buffer lets requests be in flight at once: a direct function
    // with that much reserved concurrency, the gentlest the direct path can be on Kodexa.
    direct: await runBurst({
      ...burst,
      through: 'direct',
      directInvocations: 0,
      directContainers: settings.maximumConcurrency * settings.batchSize,
    }),
    unlimited: await runBurst({ ...burst, ...unlimited, directInvocations: 0 }),
    loopback: await runBurst({ ...burst, ...unlimited, kodexaLatencyMs: 0 }),
  };
  const costs = burstCosts(runs, settings.memorySizeMb);
  figures.push(...burstFigures(runs, settings, costs));
  tables.push(costTable(costs, settings.memorySizeMb));
  Object.assign(details, { settings, burst: runs, costs });
  const { limited, direct } = runs;
  notes.push(
    `burst: ${limited.messages.toLocaleString('en-US')} messages (${limited.distinct} distinct completions in the six shapes that update a slice, ${BURST.duplicates} of them delivered twice, ${BURST.invalid} invalid) put in the loopback SQS buffer at once and drained by the simulated event source mapping with the template's settings (MaximumConcurrency ${settings.maximumConcurrency}, batch size ${settings.batchSize}, batching window ${settings.maximumBatchingWindowSeconds} s, visibility timeout ${settings.visibilityTimeoutSeconds} s, maxReceiveCount ${settings.maxReceiveCount}), the built bundle in warm containers in one process; Kodexa answers every request ${BURST.kodexaLatencyMs} ms after it arrives and takes ${BURST.kodexaRequestsPerSecond} requests/s (a token bucket of one second's worth; 429 with Retry-After beyond it). Ideal drain = required requests (GET + PUT per completion, one GET per duplicate: ${limited.requiredRequests}) / ${BURST.kodexaRequestsPerSecond} per s. ${limited.invocations} invocations in ${limited.containers} containers (peak concurrency ${limited.peakConcurrency}); the most receives of one message: ${limited.maxReceiveCount}.`,
    `cost: per million completions delivered (duplicates and invalid ones included), ${settings.architecture} at ${settings.memorySizeMb} MB, each invocation's measured duration rounded up to the millisecond, at ${PRICES.region} list prices of ${PRICES.asOf} (Lambda $${(PRICES.lambdaRequestUsd * 1e6).toFixed(2)} per million requests and $${PRICES.lambdaArmGbSecondUsd} per GB-second on arm64, SQS $${(PRICES.sqsRequestUsd * 1e6).toFixed(2)} per million requests). The buffer path pays one SendMessage per completion into the buffer (EventBridge's delivery, or the pipeline's own) and the mapping's and the function's SQS requests as counted; the direct path, one asynchronous invocation per completion, Lambda's retries of a failed one included. Under the burst: the same ${direct.messages.toLocaleString('en-US')} completions as invocations, ${direct.containers} warm containers at once (reserved concurrency ${direct.containers}, as many requests in flight as the buffer allows), retries as soon as a round of tries ends (Lambda waits a minute or two): ${direct.invocations} invocations, drained in ${direct.drainSeconds.toFixed(1)} s. Without pushback: one at a time on a warm container (${limited.direct?.invocations} invocations, p50 ${limited.direct?.p50Ms.toFixed(1)} ms at ${KODEXA_LATENCY_MS} ms, ${runs.loopback.direct?.p50Ms.toFixed(1)} ms on loopback), against the buffer draining the burst with no rate limit (in ${runs.unlimited.drainSeconds.toFixed(1)} s at ${KODEXA_LATENCY_MS} ms, ${runs.loopback.drainSeconds.toFixed(1)} s on loopback). Break-even: each path's cost without pushback as a straight line through loopback and ${KODEXA_LATENCY_MS} ms.`,
  );
} else if (!args['size-only']) {
  const { DEFAULT_MEMORY_SIZE } = await import('../infra/slice-completion.ts');
  const cold = await measureColdStart(COLD_RUNS, {
    ...process.env,
    POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
  });
  const servers = await startServers();
  let first: FirstInvocation;
  let warm: WarmResult;
  let warmInfo: WarmResult;
  const peakRss: Record<number, number> = {};
  try {
    first = await measureFirstInvocation(servers, FIRST_INVOCATION_RUNS);
    warm = await runWarm(servers, LOG_LEVEL, WARM);
    warmInfo = await runWarm(servers, 'INFO', WARM_INFO);
    for (const size of MEMORY_SIZES) {
      peakRss[size] = await measurePeakRss(servers, size, PEAK_RSS_RUN);
    }
  } finally {
    await servers.stop();
  }
  figures.push(
    ...coldFigures(cold),
    firstInvocationFigure(first),
    ...warmFigures(warm, warmInfo),
    ...memoryFigures(peakRss, DEFAULT_MEMORY_SIZE),
  );
  Object.assign(details, { coldStart: cold, firstInvocation: first, warm, warmInfo, peakRss });
  const smallest = MEMORY_SIZES.find(
    (size) => (peakRss[size] ?? size) <= size * BUDGETS.peakRssShare,
  );
  notes.push(
    `cold start: wall time, spawn to exit, of ${cold.runs} fresh \`node --enable-source-maps <bundle>\` processes each (as deployed), the variants taken in turn; ms are medians, the ratio is the median over runs of ours / floor; an empty module takes ${cold.emptyMs.toFixed(1)} ms.`,
    `first invocation: in ${first.runs} fresh \`node --enable-source-maps\` processes each, the time from importing the code to the slice written: the function's handler (import, secret read, GET, PUT), against the floor bundle's SDK client reading the secret and a bare fetch GET + PUT; in turn, alternating which goes first; ratio = median over pairs of ours / floor.`,
    `warm: one process, bundle loaded once, ${WARM.warmUp} warm-up invocations; ${WARM.blocks} pairs of blocks of ${WARM.blockSize} handler invocations (new lambdaRequestId each: GET + PUT) and ${WARM.blockSize} bare fetch GET + PUT, alternating which goes first; ratio = median over pairs of mean(handler) / mean(bare fetch). Connections opened while they alternated: ${warm.timing.connections}.`,
    `CPU: process.cpuUsage() (user + system) over each of the same blocks, per completion; for batches, ${WARM.blocks} pairs of blocks of ${WARM.batchBlockSize} batches of ${warm.batches?.recordsPerBatch} records (the handler with an SQS event, all records updating their own slice) and as many rounds of ${warm.batches?.recordsPerBatch} bare GET + PUT at once; ratios = median over pairs.`,
    `memory, secret reads, connections: over the container's first invocation, ${WARM.warmUp} warm-up and ${WARM.memoryInvocations} measured invocations; heap = heapUsed before and after the ${WARM.memoryInvocations}, each after forced GCs with event-loop turns between them (so finalizers run).`,
    `peak RSS: ru_maxrss of a fresh process per memory size, with the V8 limits Lambda's Node runtime sets for it (new space = size/10, semi space = half of that, old space = the rest) and --enable-source-maps, over the first invocation, ${PEAK_RSS_RUN.invocations} direct invocations and ${PEAK_RSS_RUN.batches} batches of ${warm.batches?.recordsPerBatch}. Smallest size with the peak at most ${BUDGETS.peakRssShare * 100}% of it: ${smallest ?? 'none tried'} MB; the stack's default: ${DEFAULT_MEMORY_SIZE} MB.`,
    `Function log level POWERTOOLS_LOG_LEVEL=${LOG_LEVEL}, except the INFO row (${WARM_INFO.blocks} pairs of blocks; log lines to /dev/null). Servers in a separate process.`,
  );
}
if (!args.burst) tables.push(compositionTable(sizes));

const durationSeconds = (performance.now() - started) / 1000;
const host = machine();
const date = new Date().toISOString();
console.log(table(figures));
for (const extra of tables) console.log(`\n${extra}`);
console.log();
for (const note of notes) console.log(`- ${note}`);
console.log(
  `- ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}; ${date}; took ${durationSeconds.toFixed(1)} s.`,
);

await writeFile(
  new URL(args.burst ? 'results-burst.json' : 'results.json', import.meta.url),
  `${JSON.stringify(
    {
      date,
      durationSeconds,
      machine: host,
      logLevel: LOG_LEVEL,
      figures: figures.map((figure) => ({ ...figure, ok: withinBudget(figure) })),
      details,
    },
    null,
    2,
  )}\n`,
);

const over = figures.filter((figure) => withinBudget(figure) === false);
if (args.check && over.length > 0) {
  console.error(`\nover budget: ${over.map((figure) => figure.figure).join(', ')}`);
  process.exitCode = 1;
}

function coldFigures(cold: ColdStart): Figure[] {
  return [
    {
      figure: 'cold start',
      unit: 'ms',
      ours: cold.oursMs,
      floor: cold.floorMs,
      value: cold.medianPairedRatio,
      ratio: true,
      budget: { max: BUDGETS.coldStart },
    },
    {
      figure: 'cold start, import only (minus empty node)',
      unit: 'ms',
      ours: cold.oursMs - cold.emptyMs,
      floor: cold.floorMs - cold.emptyMs,
      value: (cold.oursMs - cold.emptyMs) / (cold.floorMs - cold.emptyMs),
      ratio: true,
    },
    {
      figure: 'cold start without --enable-source-maps',
      unit: 'ms',
      ours: cold.oursNoSourceMapsMs,
      floor: cold.floorNoSourceMapsMs,
      value: cold.oursNoSourceMapsMs / cold.floorNoSourceMapsMs,
      ratio: true,
    },
  ];
}

function firstInvocationFigure(first: FirstInvocation): Figure {
  return {
    figure: 'first invocation (fresh process: import, secret read, GET, PUT)',
    unit: 'ms',
    ours: first.oursMs,
    floor: first.floorMs,
    value: first.medianPairedRatio,
    ratio: true,
    budget: { max: BUDGETS.firstInvocation },
  };
}

function comparisonFigures(
  name: string,
  comparison: Comparison,
  cpu: Pick<Figure, 'budget' | 'goal'>,
): Figure[] {
  return [
    {
      figure: `${name}: p50`,
      unit: 'µs',
      ours: comparison.ours.latency.p50Us,
      floor: comparison.floor.latency.p50Us,
      value: comparison.pairedRatio,
      ratio: true,
    },
    {
      figure: `${name}: CPU per completion`,
      unit: 'µs',
      ours: comparison.ours.cpuUsPerCompletion,
      floor: comparison.floor.cpuUsPerCompletion,
      value: comparison.pairedCpuRatio,
      ratio: true,
      ...cpu,
    },
  ];
}

function warmFigures(warm: WarmResult, warmInfo: WarmResult): Figure[] {
  if (!warm.memory || !warm.batches) throw new Error('the warm run measured no memory or batches');
  const { timing, memory, batches } = warm;
  const [p50, cpu] = comparisonFigures('warm invocation', timing, {
    budget: { max: BUDGETS.cpuDirect },
  });
  return [
    { ...(p50 as Figure), budget: { max: BUDGETS.warmP50 } },
    {
      figure: 'warm invocation: p99',
      unit: 'µs',
      ours: timing.ours.latency.p99Us,
      floor: timing.floor.latency.p99Us,
      value: timing.ours.latency.p99Us / timing.floor.latency.p99Us,
      ratio: true,
    },
    {
      figure: 'warm invocation: p50, INFO logging',
      unit: 'µs',
      ours: warmInfo.timing.ours.latency.p50Us,
      floor: warmInfo.timing.floor.latency.p50Us,
      value: warmInfo.timing.pairedRatio,
      ratio: true,
    },
    cpu as Figure,
    ...comparisonFigures(`batch of ${batches.recordsPerBatch}`, batches, {
      budget: { max: BUDGETS.cpuBatch },
    }),
    {
      figure: 'first invocation, handler only (bundle already imported)',
      unit: 'µs',
      ours: warm.firstInvocationUs,
      value: warm.firstInvocationUs,
      ratio: false,
    },
    {
      figure: `memory (heap growth, ${memory.invocations} invocations)`,
      unit: 'MiB',
      ours: memory.heapGrowthMiB,
      value: memory.heapGrowthMiB,
      ratio: false,
      budget: { max: BUDGETS.heapGrowthMiB },
    },
    {
      figure: 'secret reads',
      unit: 'count',
      ours: memory.secretReads,
      value: memory.secretReads,
      ratio: false,
      budget: { exactly: 1 },
    },
    {
      figure: 'connections to Kodexa',
      unit: 'count',
      ours: memory.connections,
      value: memory.connections,
      ratio: false,
      budget: { exactly: 1 },
    },
  ];
}

/** Each size's peak RSS; the stack's default size is held to the headroom. */
function memoryFigures(peakRss: Record<number, number>, stackDefault: number): Figure[] {
  return MEMORY_SIZES.map((size) => {
    const peak = peakRss[size] as number;
    const limit = { max: Number((size * BUDGETS.peakRssShare).toFixed(2)) };
    return {
      figure: `peak RSS at ${size} MB (${((peak / size) * 100).toFixed(1)}%)${size === stackDefault ? ', the stack default' : ''}`,
      unit: 'MiB',
      ours: peak,
      value: peak,
      ratio: false,
      ...(size === stackDefault ? { budget: limit } : { goal: limit }),
    };
  });
}

interface BurstRuns {
  /** Through the buffer, Kodexa at its latency and rate limit; then direct, one at a time. */
  limited: BurstResult;
  /** The same burst as direct invocations, no buffer. */
  direct: BurstResult;
  /** Through the buffer, no rate limit. */
  unlimited: BurstResult;
  /** Through the buffer, no rate limit, Kodexa on loopback; then direct, one at a time. */
  loopback: BurstResult;
}

interface BurstCosts {
  /** The burst, Kodexa at its latency and rate limit. */
  buffer: PathCost;
  direct: PathCost;
  /** No pushback, Kodexa at its latency. */
  bufferUnlimited: PathCost;
  directOneAtATime: PathCost;
  /** No pushback, Kodexa on loopback. */
  bufferLoopback: PathCost;
  directLoopback: PathCost;
  /** Without pushback: the latency per request above which the buffer costs less. */
  breakEvenMs: number | undefined;
}

function burstCosts(runs: BurstRuns, memorySizeMb: number): BurstCosts {
  const buffer = (burst: BurstResult) =>
    costPerMillion(
      {
        completions: burst.messages,
        lambdaRequests: burst.invocations,
        billedMs: burst.billedMs,
        sqsRequests: {
          // Every completion is sent to the buffer once (by EventBridge, or the pipeline itself).
          'SendMessage into the buffer': burst.messages,
          // The function's only SendMessage: a completion no retry can fix, to the buffer's DLQ.
          ...Object.fromEntries(
            Object.entries(burst.sqsRequests).map(([operation, count]) => [
              operation === 'SendMessage' ? 'SendMessage to the dead-letter queue' : operation,
              count,
            ]),
          ),
        },
      },
      memorySizeMb,
    );
  const oneAtATime = (burst: BurstResult) => {
    if (!burst.direct) throw new Error('the burst measured no direct invocations');
    const { invocations, billedMs } = burst.direct;
    return costPerMillion(
      { completions: invocations, lambdaRequests: invocations, billedMs, sqsRequests: {} },
      memorySizeMb,
    );
  };
  const costs = {
    buffer: buffer(runs.limited),
    direct: costPerMillion(
      {
        completions: runs.direct.messages,
        lambdaRequests: runs.direct.invocations,
        billedMs: runs.direct.billedMs,
        sqsRequests: {},
      },
      memorySizeMb,
    ),
    bufferUnlimited: buffer(runs.unlimited),
    directOneAtATime: oneAtATime(runs.limited),
    bufferLoopback: buffer(runs.loopback),
    directLoopback: oneAtATime(runs.loopback),
  };
  return {
    ...costs,
    breakEvenMs: breakEvenLatencyMs(
      { near: costs.bufferLoopback.total, far: costs.bufferUnlimited.total },
      { near: costs.directLoopback.total, far: costs.directOneAtATime.total },
      0,
      KODEXA_LATENCY_MS,
    ),
  };
}

function burstFigures(runs: BurstRuns, settings: StackSettings, costs: BurstCosts): Figure[] {
  const { limited: burst, direct } = runs;
  const idealSeconds = burst.requiredRequests / BURST.kodexaRequestsPerSecond;
  const count = (figure: string, value: number, budget?: Figure['budget']): Figure => ({
    figure,
    unit: 'count',
    ours: value,
    value,
    ratio: false,
    budget,
  });
  const cost = (figure: string, buffer: PathCost, floor: PathCost): Figure => ({
    figure,
    unit: 'USD',
    ours: buffer.total,
    floor: floor.total,
    value: buffer.total / floor.total,
    ratio: true,
  });
  const deadLettered = (result: BurstResult) =>
    Object.entries(result.deadLettered)
      .map(([name, n]) => `${name} x${n}`)
      .join(', ');
  return [
    {
      figure: 'burst: drain time (floor: the ideal)',
      unit: 's',
      ours: burst.drainSeconds,
      floor: idealSeconds,
      value: burst.drainSeconds / idealSeconds,
      ratio: true,
      budget: { max: BUDGETS.burstDrain },
    },
    {
      figure: 'burst: Kodexa requests per valid completion',
      unit: 'number',
      ours: burst.kodexaRequests / burst.valid,
      value: burst.kodexaRequests / burst.valid,
      ratio: false,
      budget: { max: BUDGETS.burstRequestsPerCompletion },
    },
    count('burst: 429 answers', burst.tooManyRequests),
    count('burst: peak requests in flight at Kodexa', burst.peakInFlight, {
      max: settings.maximumConcurrency * settings.batchSize,
    }),
    count(
      `burst: dead-lettered (${deadLettered(burst)})`,
      Object.values(burst.deadLettered).reduce((a, b) => a + b, 0),
      { exactly: BURST.invalid },
    ),
    count('burst: valid completions dead-lettered', burst.validDeadLettered, { exactly: 0 }),
    count('burst: valid completions not recorded', burst.notRecorded, { exactly: 0 }),
    {
      figure: `direct under the same burst (${direct.containers} containers): drain time`,
      unit: 's',
      ours: direct.drainSeconds,
      floor: idealSeconds,
      value: direct.drainSeconds / idealSeconds,
      ratio: true,
    },
    {
      figure: 'direct under the burst: Kodexa requests per valid completion',
      unit: 'number',
      ours: direct.kodexaRequests / direct.valid,
      value: direct.kodexaRequests / direct.valid,
      ratio: false,
    },
    count('direct under the burst: 429 answers', direct.tooManyRequests),
    count('direct under the burst: peak requests in flight at Kodexa', direct.peakInFlight),
    count(
      `direct under the burst: invocations (of ${direct.messages} completions; failed: ${Object.entries(
        direct.failedInvocations ?? {},
      )
        .map(([name, n]) => `${name} x${n}`)
        .join(', ')})`,
      direct.invocations,
    ),
    count(
      `direct under the burst: given up after ${direct.maxReceiveCount} tries (${deadLettered(direct)})`,
      Object.values(direct.deadLettered).reduce((a, b) => a + b, 0),
    ),
    count('direct under the burst: valid completions not recorded', direct.notRecorded),
    {
      ...cost(
        `cost per million, the burst at ${KODEXA_LATENCY_MS} ms: buffer (floor: direct under it)`,
        costs.buffer,
        costs.direct,
      ),
      budget: { max: BUDGETS.burstCost },
    },
    {
      ...cost(
        `cost per million, no pushback, Kodexa at ${KODEXA_LATENCY_MS} ms: buffer (floor: direct)`,
        costs.bufferUnlimited,
        costs.directOneAtATime,
      ),
      goal: { max: BUDGETS.noPushbackCost },
    },
    cost(
      'cost per million, no pushback, Kodexa on loopback: buffer (floor: direct)',
      costs.bufferLoopback,
      costs.directLoopback,
    ),
    {
      figure: 'break-even Kodexa latency per request, no pushback (buffer cheaper above)',
      unit: 'ms',
      ours: costs.breakEvenMs ?? Number.NaN,
      value: costs.breakEvenMs ?? Number.NaN,
      ratio: false,
    },
  ];
}

function costTable(costs: BurstCosts, memorySizeMb: number): string {
  const usd = (value: number | undefined) => (value ? `$${value.toFixed(3)}` : '');
  const paths = [
    costs.bufferLoopback,
    costs.directLoopback,
    costs.bufferUnlimited,
    costs.directOneAtATime,
    costs.buffer,
    costs.direct,
  ];
  const kinds = [...new Set(paths.flatMap((path) => Object.keys(path.sqs)))];
  const rows = [
    ['Lambda requests', ...paths.map((p) => usd(p.lambdaRequests))],
    [`Lambda duration (${memorySizeMb} MB)`, ...paths.map((p) => usd(p.lambdaDuration))],
    ...kinds.map((kind) => [`SQS ${kind}`, ...paths.map((p) => usd(p.sqs[kind]))]),
    ['**total**', ...paths.map((p) => `**${usd(p.total)}**`)],
    ['GB-seconds per completion', ...paths.map((p) => p.gbSecondsPerCompletion.toFixed(5))],
  ];
  const burst = `the burst, ${BURST.kodexaRequestsPerSecond}/s`;
  return markdown(
    [
      'per million completions',
      'buffer, loopback',
      'direct, loopback',
      `buffer, ${KODEXA_LATENCY_MS} ms`,
      `direct, ${KODEXA_LATENCY_MS} ms`,
      `buffer, ${KODEXA_LATENCY_MS} ms, ${burst}`,
      `direct, ${KODEXA_LATENCY_MS} ms, ${burst}`,
    ],
    rows,
  );
}

/** What each package puts in the bundle, against the floor's. */
function compositionTable(bundles: BundleSizes): string {
  const names = [
    ...new Set([...Object.keys(bundles.oursByPackage), ...Object.keys(bundles.floorByPackage)]),
  ];
  const rows = names
    .map((name) => {
      const ours = bundles.oursByPackage[name] ?? 0;
      const floor = bundles.floorByPackage[name] ?? 0;
      return { name, ours, floor, added: ours - floor };
    })
    .filter((row) => row.ours > 0 || row.floor > 0)
    .sort((a, b) => b.added - a.added || b.ours - a.ours);
  const bytes = (n: number) => n.toLocaleString('en-US');
  return markdown(
    ['package (bytes in the bundle)', 'ours', 'floor', 'added'],
    rows.map((row) => [row.name, bytes(row.ours), bytes(row.floor), bytes(row.added)]),
  );
}
