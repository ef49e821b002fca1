// One measured process for the memory size: a warm container's peak resident set over a run of
// direct invocations and then batches from the buffer, under the V8 limits that Lambda's Node
// runtime sets for the memory size it runs at. bench/children.ts starts it with those limits, the
// servers' environment and a PeakRssOptions JSON argument, and gets the peak back over IPC, in
// MiB. It runs bundled (bench/bundles.ts), as the function does: node strips the types of a .ts
// file with a WebAssembly module of its own, which would add megabytes Lambda never holds.
import { pathToFileURL } from 'node:url';
import type { Handler } from '../tools/local/lambda-runtime.ts';
import { batchInvocation, directInvocation } from './events.ts';

export interface PeakRssOptions {
  bundlePath: string;
  sliceId: string;
  batchSliceIds: string[];
  invocations: number;
  batches: number;
}

const options = JSON.parse(process.argv[2] ?? '') as PeakRssOptions;
const { handler } = (await import(pathToFileURL(options.bundlePath).href)) as { handler: Handler };
for (let i = 0; i < options.invocations; i++) await directInvocation(handler, options.sliceId)();
for (let i = 0; i < options.batches; i++) await batchInvocation(handler, options.batchSliceIds)();
// ru_maxrss: the most this process ever held resident, in KiB.
const peakMiB = process.resourceUsage().maxRSS / 1024;
if (!process.send) throw new Error('start with an IPC channel: the result goes back over it');
process.send(peakMiB, () => process.exit(0));
