// The Kodexa API key, read from Secrets Manager through Powertools, which caches it per warm
// container for `cacheSeconds` and re-reads it on demand after Kodexa refuses it (key rotation).
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { ApiKeyUnavailable } from './errors.ts';

export type ApiKeySource = (options?: { refresh?: boolean }) => Promise<string>;

export function apiKeyFromSecret(
  secretId: string,
  cacheSeconds: number,
  requestTimeoutMs: number,
): ApiKeySource {
  // Bounded like the requests to Kodexa, so a Secrets Manager that does not answer ends in a
  // named error, not in the Lambda timeout.
  const secrets = new SecretsProvider({
    clientConfig: {
      requestHandler: {
        connectionTimeout: requestTimeoutMs,
        requestTimeout: requestTimeoutMs,
        // Without it the SDK only warns when requestTimeout passes, and keeps waiting.
        throwOnRequestTimeout: true,
      },
    },
  });
  // Powertools hands back the cached SecretString on every request; parse it only when it changes.
  let parsed: { secretString: string; apiKey: string } | undefined;
  // The records of a batch ask at once, and Powertools does not share a read in flight: they
  // share it here, so that a cold container, an expired cache or a rotated key costs one read.
  // By index: 0 for a read from the cache, 1 for a refresh.
  const reading: (Promise<unknown> | undefined)[] = [];
  const read = (refresh: boolean) => {
    const at = refresh ? 1 : 0;
    reading[at] ??= secrets
      .get(secretId, { maxAge: cacheSeconds, forceFetch: refresh })
      .finally(() => {
        reading[at] = undefined;
      });
    return reading[at];
  };
  return async ({ refresh = false } = {}) => {
    let value: unknown;
    try {
      value = await read(refresh);
    } catch (error) {
      const cause = error instanceof Error ? (error.cause ?? error) : error;
      throw new ApiKeyUnavailable(
        `could not read the Kodexa API key from secret ${secretId}: ${describe(cause)}`,
        { cause },
      );
    }
    // Stryker disable next-line ConditionalExpression: equivalent, parsing again gives the same key (the cache saves CPU only)
    if (parsed === undefined || parsed.secretString !== value) {
      parsed = { secretString: value as string, apiKey: apiKeyIn(value, secretId) };
    }
    return parsed.apiKey;
  };
}

/** A SecretString is either the raw key or `{"apiKey": "..."}`. */
export function apiKeyIn(secretString: unknown, secretId: string): string {
  // Powertools gives an empty SecretString as undefined, like a binary secret's.
  if (typeof secretString !== 'string') {
    throw new ApiKeyUnavailable(
      `secret ${secretId} has an empty SecretString or none (binary secrets are not supported)`,
    );
  }
  const text = secretString.trim();
  if (!text.startsWith('{')) {
    if (text) return text;
    throw new ApiKeyUnavailable(`secret ${secretId} is empty`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's own message quotes the input, which is the secret: say only where it failed.
    throw new ApiKeyUnavailable(`secret ${secretId} starts with "{" but is not valid JSON`);
  }
  // Text that starts with "{" parses to an object or not at all.
  const apiKey = (parsed as { apiKey?: unknown }).apiKey;
  if (typeof apiKey === 'string' && apiKey.trim()) return apiKey.trim();
  throw new ApiKeyUnavailable(
    `secret ${secretId} is JSON without a non-empty string "apiKey" field`,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
