import { ConfigurationError } from './errors.ts';

export interface Config {
  /** Base URL without a trailing slash. */
  kodexaUrl: string;
  apiKeySecretId: string;
  apiKeyCacheSeconds: number;
  requestTimeoutMs: number;
  statuses: SliceStatuses;
}

export interface SliceStatuses {
  succeeded: string;
  failed: string;
}

type Env = Record<string, string | undefined>;

// Plain http is only for a Kodexa emulator on this machine: the API key must never cross a network
// unencrypted.
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
/**
 * A base URL ending in /api: every request would go to /api/api/..., which Kodexa answers 404,
 * and every completion would be dead-lettered as SliceNotFound.
 */
const API_PATH = /\/api\/*$/i;

export function readConfig(env: Env): Config {
  const problems: string[] = [];
  const config: Config = {
    kodexaUrl: kodexaUrl(env, problems),
    apiKeySecretId: text(env, 'KODEXA_API_KEY_SECRET_ID', undefined, problems),
    apiKeyCacheSeconds: integer(env, 'KODEXA_API_KEY_CACHE_SECONDS', 300, 0, problems),
    requestTimeoutMs: integer(env, 'KODEXA_REQUEST_TIMEOUT_MS', 5000, 1, problems),
    statuses: {
      succeeded: text(env, 'SLICE_SUCCEEDED_STATUS', 'SUCCEEDED', problems),
      failed: text(env, 'SLICE_FAILED_STATUS', 'FAILED', problems),
    },
  };
  if (problems.length > 0) throw new ConfigurationError(problems.join('; '));
  return config;
}

/** What the SQS path needs besides Config: the buffer it reads and the dead-letter queue. */
export interface BufferConfig {
  /** The buffer, whose messages' visibility the function sets when it hands one back. */
  queueUrl: string;
  /** Where a completion that no retry can fix goes at once, with the error as attributes. */
  deadLetterQueueUrl: string;
  /** The buffer's redrive maxReceiveCount: the receive after which SQS moves a message on. */
  maxReceiveCount: number;
}

/** Only a batch from the buffer needs these, so a direct invocation works without them. */
export function readBufferConfig(env: Env): BufferConfig {
  const problems: string[] = [];
  const config: BufferConfig = {
    queueUrl: queueUrl(env, 'BUFFER_QUEUE_URL', problems),
    deadLetterQueueUrl: queueUrl(env, 'BUFFER_DEAD_LETTER_QUEUE_URL', problems),
    maxReceiveCount: integer(env, 'BUFFER_MAX_RECEIVE_COUNT', undefined, 1, problems),
  };
  if (problems.length > 0) throw new ConfigurationError(problems.join('; '));
  return config;
}

function queueUrl(env: Env, name: string, problems: string[]): string {
  const value = text(env, name, undefined, problems);
  // Stryker disable next-line StringLiteral: equivalent, readBufferConfig throws on the problem recorded
  if (!value) return '';
  if (!URL.canParse(value)) {
    problems.push(
      `${name} must be a queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/name`,
    );
  }
  return value;
}

function kodexaUrl(env: Env, problems: string[]): string {
  const value = text(env, 'KODEXA_URL', undefined, problems);
  // Stryker disable next-line StringLiteral: equivalent, readConfig throws on the problem recorded
  if (!value) return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`KODEXA_URL must be an absolute URL such as https://platform.kodexa.ai`);
    // Stryker disable next-line StringLiteral: equivalent, readConfig throws on the problem recorded
    return '';
  }
  const secure =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname));
  if (!secure) {
    problems.push(`KODEXA_URL must use https (plain http is allowed only for loopback hosts)`);
  }
  if (url.search || url.hash || url.username || url.password) {
    problems.push('KODEXA_URL must not carry credentials, a query or a fragment');
  }
  const base = url.href.replace(/\/+$/, '');
  if (API_PATH.test(url.pathname)) {
    problems.push(
      `KODEXA_URL must be the platform's base URL without /api, as every request adds /api/...: drop /api from ${base}`,
    );
  }
  return base;
}

function text(env: Env, name: string, fallback: string | undefined, problems: string[]): string {
  const value = env[name]?.trim();
  if (value) return value;
  if (fallback !== undefined) return fallback;
  problems.push(`${name} is required`);
  // Stryker disable next-line StringLiteral: equivalent, readConfig throws on the problem recorded
  return '';
}

function integer(
  env: Env,
  name: string,
  fallback: number | undefined,
  min: number,
  problems: string[],
): number {
  const value = env[name]?.trim();
  if (!value) {
    if (fallback !== undefined) return fallback;
    problems.push(`${name} is required`);
    return 0;
  }
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min) {
    problems.push(`${name} must be an integer >= ${min}, got "${value}"`);
  }
  return number;
}
