// `npm run emulator [-- --port N]`: the Kodexa emulator on its own, seeded with the sample slices,
// for trying the API by hand.
import { parseArgs } from 'node:util';
import { startKodexaEmulator } from './local/kodexa-emulator.ts';
import { sampleSlices } from './local/sample-slices.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8090' } } });
const slices = sampleSlices();
const emulator = await startKodexaEmulator({ slices, port: Number(values.port) });

console.log(`Kodexa emulator at ${emulator.url}`);
console.log(`x-api-key: ${emulator.apiKey}`);
console.log('slices:');
for (const { id } of slices)
  console.log(`  ${emulator.url}/api/orchestrator-execution-slices/${id}`);
console.log(
  `try: curl -H 'x-api-key: ${emulator.apiKey}' ${emulator.url}/api/orchestrator-execution-slices/${slices[0]?.id}`,
);
console.log('Ctrl-C stops it.');
process.on('SIGINT', () => void emulator.close());
process.on('SIGTERM', () => void emulator.close());
