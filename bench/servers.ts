// The loopback Kodexa and Secrets Manager in a process of their own, so the process the benchmark
// measures runs the function and nothing else. Prints where to reach them as one JSON line on
// stdout, then serves until its stdin closes (the benchmark ended, however it ended).

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Slice } from '../tools/local/kodexa-emulator.ts';
import { startLocalServices } from '../tools/local/local-services.ts';
import { sampleSlices } from '../tools/local/sample-slices.ts';

export interface Servers {
  env: Record<string, string>;
  apiKey: string;
  sliceId: string;
  /** Slices of their own for the records of a batch, which run at once. */
  batchSliceIds: string[];
  /** GET answers ServerStats: what the servers saw so far. */
  statsUrl: string;
}

export interface ServerStats {
  /** TCP connections the Kodexa emulator accepted. */
  connections: number;
  /** GetSecretValue calls answered, all secrets together. */
  secretReads: number;
  /** Requests the Kodexa emulator answered. */
  requests: number;
}

/** Records in a batch, as the stack's event source mapping gathers them in a burst. */
const BATCH_SIZE = 10;
const batchSlices: Slice[] = Array.from({ length: BATCH_SIZE }, () => ({
  ...(sampleSlices()[0] as Slice),
  id: randomUUID(),
}));
const services = await startLocalServices({ slices: [...sampleSlices(), ...batchSlices] });
const stats = (): ServerStats => ({
  connections: services.kodexa.connections(),
  secretReads: [...services.secrets.reads.values()].reduce((sum, reads) => sum + reads, 0),
  requests: services.kodexa.requests.length,
});
// Its own server, so asking for the figures never opens a connection to the emulator.
const control = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(stats()));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

const servers: Servers = {
  env: services.env,
  apiKey: services.kodexa.apiKey,
  sliceId: [...services.kodexa.slices.keys()][0] as string,
  batchSliceIds: batchSlices.map((slice) => slice.id),
  statsUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}/`,
};
process.stdout.write(`${JSON.stringify(servers)}\n`);

process.stdin.resume();
process.stdin.on('close', async () => {
  control.closeAllConnections();
  control.close();
  await services.close();
});
