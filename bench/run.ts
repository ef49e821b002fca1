// `npm run bench`: builds, measures the function against its floors, prints the figures as a
// Markdown table and writes them to bench/results.json. `--check` exits 1 when a figure is over
// budget; `--size-only` measures the bundle size alone (deterministic, no servers: what CI runs).
import { writeFile } from 'node:fs/promises';
import { readCommandLine, type Tool } from '../tools/cli.ts';
import { buildBundles } from './bundles.ts';
import {
  type FirstInvocation,
  measureFirstInvocation,
  runWarm,
  startServers,
  type WarmCounts,
} from './children.ts';
import { type ColdStart, measureColdStart } from './cold-start.ts';
import { type Figure, machine, table, withinBudget } from './report.ts';
import type { WarmResult } from './warm.ts';

// Logging off, so the figures are the function's work and not Powertools' JSON formatting; an
// extra INFO row shows what logging adds.
const LOG_LEVEL = 'SILENT';
const COLD_RUNS = 41;
const FIRST_INVOCATION_RUNS = 31;
const WARM: WarmCounts = { warmUp: 200, memoryInvocations: 3000, blocks: 30, blockSize: 50 };
const WARM_INFO: WarmCounts = { ...WARM, memoryInvocations: 0, blocks: 10 };

const BENCH = {
  command: 'npm run bench',
  usage: ['[-- --check --size-only]'],
  about:
    'Builds, measures the function against its floors (bundle size, cold start, first and warm\n' +
    'invocations, memory, secret reads, connections), prints the figures as a Markdown table and\n' +
    'writes them to bench/results.json. Takes a minute or less; needs no AWS.',
  options: {
    check: { type: 'boolean', default: false, help: 'exit 1 when a figure is over its budget' },
    'size-only': {
      type: 'boolean',
      default: false,
      help: 'the bundle size alone: deterministic, no servers (what npm test checks)',
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
    budget: { max: 1.32 },
  },
];
const notes: string[] = [];
const details: Record<string, unknown> = { sizes };

if (!args['size-only']) {
  const cold = await measureColdStart(COLD_RUNS, {
    ...process.env,
    POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
  });
  const servers = await startServers();
  let first: FirstInvocation;
  let warm: WarmResult;
  let warmInfo: WarmResult;
  try {
    first = await measureFirstInvocation(servers, FIRST_INVOCATION_RUNS);
    warm = await runWarm(servers, LOG_LEVEL, WARM);
    warmInfo = await runWarm(servers, 'INFO', WARM_INFO);
  } finally {
    await servers.stop();
  }
  figures.push(...coldFigures(cold), firstInvocationFigure(first), ...warmFigures(warm, warmInfo));
  Object.assign(details, { coldStart: cold, firstInvocation: first, warm, warmInfo });
  notes.push(
    `cold start: wall time, spawn to exit, of ${cold.runs} fresh \`node --enable-source-maps <bundle>\` processes each (as deployed), the variants taken in turn; ms are medians, the ratio is the median over runs of ours / floor; an empty module takes ${cold.emptyMs.toFixed(1)} ms.`,
    `first invocation: in ${first.runs} fresh \`node --enable-source-maps\` processes each, the time from importing the code to the slice written: the function's handler (import, secret read, GET, PUT), against the floor bundle's SDK client reading the secret and a bare fetch GET + PUT; in turn, alternating which goes first; ratio = median over pairs of ours / floor.`,
    `warm: one process, bundle loaded once, ${WARM.warmUp} warm-up invocations; ${WARM.blocks} pairs of blocks of ${WARM.blockSize} handler invocations (new lambdaRequestId each: GET + PUT) and ${WARM.blockSize} bare fetch GET + PUT, alternating which goes first; ratio = median over pairs of mean(handler) / mean(bare fetch). Connections opened while they alternated: ${warm.timing.connections}.`,
    `memory, secret reads, connections: over the container's first invocation, ${WARM.warmUp} warm-up and ${WARM.memoryInvocations} measured invocations; heap = heapUsed before and after the ${WARM.memoryInvocations}, each after forced GCs with event-loop turns between them (so finalizers run).`,
    `Function log level POWERTOOLS_LOG_LEVEL=${LOG_LEVEL}, except the INFO row (${WARM_INFO.blocks} pairs of blocks; log lines to /dev/null). Servers in a separate process.`,
  );
}

const durationSeconds = (performance.now() - started) / 1000;
const host = machine();
const date = new Date().toISOString();
console.log(table(figures));
console.log();
for (const note of notes) console.log(`- ${note}`);
console.log(
  `- ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}; ${date}; took ${durationSeconds.toFixed(1)} s.`,
);

await writeFile(
  new URL('results.json', import.meta.url),
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
      budget: { max: 1.1 },
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
    budget: { max: 1.1 },
  };
}

function warmFigures(warm: WarmResult, warmInfo: WarmResult): Figure[] {
  if (!warm.memory) throw new Error('the warm run measured no memory figures');
  const { timing, memory } = warm;
  return [
    {
      figure: 'warm invocation p50',
      unit: 'µs',
      ours: timing.handler.p50Us,
      floor: timing.bareFetch.p50Us,
      value: timing.medianPairedRatio,
      ratio: true,
      budget: { max: 1.1 },
    },
    {
      figure: 'warm invocation p99',
      unit: 'µs',
      ours: timing.handler.p99Us,
      floor: timing.bareFetch.p99Us,
      value: timing.handler.p99Us / timing.bareFetch.p99Us,
      ratio: true,
    },
    {
      figure: 'warm invocation p50, INFO logging',
      unit: 'µs',
      ours: warmInfo.timing.handler.p50Us,
      floor: warmInfo.timing.bareFetch.p50Us,
      value: warmInfo.timing.medianPairedRatio,
      ratio: true,
    },
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
      budget: { max: 2 },
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
