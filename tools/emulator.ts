// `npm run emulator [-- --port N --key KEY]`: the Kodexa emulator on its own, seeded with the
// sample slices, for trying the API by hand.
import { CannotRun, exitCannotRun, readCommandLine, type Tool, UsageError } from './cli.ts';
import { type KodexaEmulator, startKodexaEmulator } from './local/kodexa-emulator.ts';
import { sampleSlices } from './local/sample-slices.ts';

const EMULATOR = {
  command: 'npm run emulator',
  usage: ['[-- --port N --key KEY]'],
  about:
    'The Kodexa emulator on its own, on 127.0.0.1, seeded with the sample slices, for trying the\n' +
    'API by hand. Prints its URL, its x-api-key and a curl to try; Ctrl-C stops it.',
  options: {
    port: {
      type: 'string',
      default: '8090',
      value: 'N',
      help: 'the port (default 8090; 0 picks a free one)',
    },
    key: { type: 'string', value: 'KEY', help: 'the x-api-key it accepts (default: a random one)' },
  },
  exitCodes: {
    0: 'stopped by Ctrl-C or SIGTERM',
    2: 'did not start: a mistake on the command line, or the port is in use',
  },
} satisfies Tool;

await main().catch((error) => exitCannotRun(EMULATOR, error));

async function main(): Promise<void> {
  const { values } = readCommandLine(EMULATOR);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  if (values.key === '') throw new UsageError('--key must not be empty');
  const slices = sampleSlices();
  let emulator: KodexaEmulator;
  try {
    emulator = await startKodexaEmulator({ slices, port, apiKey: values.key });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new CannotRun(`port ${port} is already in use; choose another with --port N`);
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
