// Kodexa and Secrets Manager on loopback, and the environment that points the function at them:
// what tests, `npm start`, `npm run invoke` and the benchmark run the function against.
import { type KodexaEmulator, type Slice, startKodexaEmulator } from './kodexa-emulator.ts';
import { sampleSlices } from './sample-slices.ts';
import {
  type SecretsManagerEndpoint,
  startSecretsManagerEndpoint,
} from './secrets-manager-endpoint.ts';

export const API_KEY_SECRET_NAME = 'kodexa/local-api-key';

export interface LocalServices {
  kodexa: KodexaEmulator;
  secrets: SecretsManagerEndpoint;
  /** Environment variables for the function under test. */
  env: Record<string, string>;
  /** Rotate the key in Kodexa and in the secret, as a real rotation would. */
  rotateApiKey(apiKey: string): void;
  close(): Promise<void>;
}

export async function startLocalServices(
  options: { slices?: Slice[]; apiKey?: string; port?: number } = {},
): Promise<LocalServices> {
  const kodexa = await startKodexaEmulator({
    slices: options.slices ?? sampleSlices(),
    apiKey: options.apiKey,
    port: options.port,
  });
  const secretString = (apiKey: string) => JSON.stringify({ apiKey });
  const secrets = await startSecretsManagerEndpoint({
    [API_KEY_SECRET_NAME]: secretString(kodexa.apiKey),
  });
  return {
    kodexa,
    secrets,
    env: {
      KODEXA_URL: kodexa.url,
      KODEXA_API_KEY_SECRET_ID: API_KEY_SECRET_NAME,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_REGION: 'us-east-1',
      // The SDK signs every request; the endpoint does not check the signature.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
    rotateApiKey: (apiKey) => {
      kodexa.setApiKey(apiKey);
      secrets.setSecret(API_KEY_SECRET_NAME, secretString(apiKey));
    },
    close: async () => {
      await Promise.all([kodexa.close(), secrets.close()]);
    },
  };
}
