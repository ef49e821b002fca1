// `npm run emulator [-- --port N --key KEY]`: the Kodexa emulator on its own, seeded with the
// sample slices, for trying the API by hand.
import { parseArgs } from 'node:util';
import { type KodexaEmulator, startKodexaEmulator } from './local/kodexa-emulator.ts';
import { sampleSlices } from './local/sample-slices.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      key: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('usage: npm run emulator [-- --port N (default 8090; 0 picks one) --key API_KEY]');
    return;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535) {
    throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  if (values.key === '') throw new Error('--key must not be empty');
  const slices = sampleSlices();
  let emulator: KodexaEmulator;
  try {
    emulator = await startKodexaEmulator({ slices, port, apiKey: values.key });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new Error(`port ${port} is already in use; choose another with --port N`);
  }
  process.on('SIGINT', () => void emulator.close());
  process.on('SIGTERM', () => void emulator.close());

  console.log(`Kodexa emulator at ${emulator.url}`);
  console.log(`x-api-key: ${emulator.apiKey}`);
  console.log('slices:');
  for (const { id } of slices)
    console.log(`  ${emulator.url}/api/orchestrator-execution-slices/${id}`);
  console.log(
    `try: curl -H 'x-api-key: ${emulator.apiKey}' ${emulator.url}/api/orchestrator-execution-slices/${slices[0]?.id}`,
  );
  console.log('Ctrl-C stops it.');
}

await main().catch((error: Error) => {
  console.error(`emulator: ${error.message}`);
  process.exitCode = 1;
});
