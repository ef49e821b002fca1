// Kodexa, Secrets Manager and SQS (the buffer and its dead-letter queue) on loopback, and the
// environment that points the function at them: what tests, `npm start`, `npm run invoke` and the
// benchmark run the function against.
import { type KodexaEmulator, type Slice, startKodexaEmulator } from './kodexa-emulator.ts';
import { sampleSlices } from './sample-slices.ts';
import {
  type SecretsManagerEndpoint,
  startSecretsManagerEndpoint,
} from './secrets-manager-endpoint.ts';
import { type SqsEndpoint, startSqsEndpoint } from './sqs-endpoint.ts';

export const API_KEY_SECRET_NAME = 'kodexa/local-api-key';
export const BUFFER_QUEUE = 'slice-completion-buffer';
export const BUFFER_DEAD_LETTER_QUEUE = 'slice-completion-buffer-dlq';
export interface LocalServices {
  kodexa: KodexaEmulator;
  secrets: SecretsManagerEndpoint;
  sqs: SqsEndpoint;
  /** Environment variables for the function under test. */
  env: Record<string, string>;
  /** Rotate the key in Kodexa and in the secret, as a real rotation would. */
  rotateApiKey(apiKey: string): void;
  close(): Promise<void>;
}

/** As the stack sets the buffer: 6 x the function's 60 s timeout. */
const BUFFER_VISIBILITY_TIMEOUT_SECONDS = 360;
const BUFFER_MAX_RECEIVE_COUNT = 20;

export async function startLocalServices(
  options: {
    slices?: Slice[];
    apiKey?: string;
    port?: number;
    sqsSecondMs?: number;
    kodexaRateLimit?: { requestsPerSecond: number };
    kodexaLatencyMs?: number;
  } = {},
): Promise<LocalServices> {
  const kodexa = await startKodexaEmulator({
    slices: options.slices ?? sampleSlices(),
    apiKey: options.apiKey,
    port: options.port,
    rateLimit: options.kodexaRateLimit,
    latencyMs: options.kodexaLatencyMs,
  });
  const secretString = (apiKey: string) => JSON.stringify({ apiKey });
  const secrets = await startSecretsManagerEndpoint({
    [API_KEY_SECRET_NAME]: secretString(kodexa.apiKey),
  });
  const sqs = await startSqsEndpoint({ secondMs: options.sqsSecondMs });
  const deadLetterQueueUrl = sqs.createQueue(BUFFER_DEAD_LETTER_QUEUE);
  const bufferUrl = sqs.createQueue(BUFFER_QUEUE, {
    visibilityTimeoutSeconds: BUFFER_VISIBILITY_TIMEOUT_SECONDS,
    redrive: {
      deadLetterQueue: BUFFER_DEAD_LETTER_QUEUE,
      maxReceiveCount: BUFFER_MAX_RECEIVE_COUNT,
    },
  });
  return {
    kodexa,
    secrets,
    sqs,
    env: {
      KODEXA_URL: kodexa.url,
      KODEXA_API_KEY_SECRET_ID: API_KEY_SECRET_NAME,
      BUFFER_QUEUE_URL: bufferUrl,
      BUFFER_DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
      BUFFER_MAX_RECEIVE_COUNT: String(BUFFER_MAX_RECEIVE_COUNT),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_ENDPOINT_URL_SQS: sqs.url,
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
      await Promise.all([kodexa.close(), secrets.close(), sqs.close()]);
    },
  };
}
