// The read-only check that `npm run smoke` invokes after a deploy: not a completion. It proves in
// turn that the configuration is valid, that the secret is readable and that Kodexa is reachable
// and accepts the key, by reading a slice that cannot exist; it writes nothing and records no
// failure metric. A failed step is an answer, not a thrown error, so the check never counts as a
// failed invocation.
import type { ApiKeySource } from './api-key.ts';
import type { Config } from './config.ts';
import { ConfigurationError, errorName, SliceNotFound } from './errors.ts';
import { isObject } from './json-object.ts';
import type { Invocation, KodexaClient } from './kodexa-client.ts';

/** The whole event: anything more (a completion that also says healthCheck) is not this. */
export const HEALTH_CHECK_EVENT = { healthCheck: true } as const;

/** The nil UUID: Kodexa checks the key, then answers 404, as no slice has this id. */
export const NO_SUCH_SLICE_ID = '00000000-0000-0000-0000-000000000000';

export type HealthCheckStep = 'configuration' | 'secret' | 'kodexa';

export type StepResult =
  | { step: HealthCheckStep; ok: true; detail: string }
  | { step: HealthCheckStep; ok: false; error: { name: string; message: string } };

/** Every step run, in order; the steps after a failed one are not run. */
export interface HealthCheckResult {
  healthy: boolean;
  steps: StepResult[];
}

export interface HealthCheckRuntime {
  config: Config;
  apiKey: ApiKeySource;
  kodexa: KodexaClient;
}

export function isHealthCheck(event: unknown): boolean {
  return isObject(event) && Object.keys(event).length === 1 && event.healthCheck === true;
}

export async function checkHealth(
  runtime: () => HealthCheckRuntime,
  invocation: Invocation,
): Promise<HealthCheckResult> {
  const steps: StepResult[] = [];
  const passed = (step: HealthCheckStep, detail: string) => steps.push({ step, ok: true, detail });
  const failed = (step: HealthCheckStep, error: unknown): HealthCheckResult => {
    const message = error instanceof Error ? error.message : String(error);
    steps.push({ step, ok: false, error: { name: errorName(error), message } });
    return { healthy: false, steps };
  };

  let loaded: HealthCheckRuntime;
  try {
    loaded = runtime();
  } catch (error) {
    return failed('configuration', error);
  }
  const { config, apiKey, kodexa } = loaded;
  passed('configuration', `KODEXA_URL ${config.kodexaUrl}, secret ${config.apiKeySecretId}`);

  try {
    // Bypassing the cache: the question is whether the secret is readable now.
    await apiKey({ refresh: true });
  } catch (error) {
    return failed('secret', error);
  }
  passed('secret', `${config.apiKeySecretId} read`);

  const url = `${config.kodexaUrl}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}`;
  const request = `GET ${url}`;
  try {
    await kodexa.getSlice(invocation, NO_SUCH_SLICE_ID);
  } catch (error) {
    if (!(error instanceof SliceNotFound)) return failed('kodexa', error);
    // To the client any 404 is SliceNotFound, also one for a path Kodexa does not serve (a
    // KODEXA_URL with a path of its own), after which every completion would be dead-lettered
    // as SliceNotFound: only Kodexa's own answer for a missing slice proves the path right.
    try {
      const timeoutMs = Math.max(
        1,
        Math.min(config.requestTimeoutMs, invocation.deadline - Date.now()),
      );
      if (!isKodexaNotFound(await answerTo(url, await apiKey(), timeoutMs))) {
        return failed(
          'kodexa',
          new ConfigurationError(
            `${request} answered 404, but not with Kodexa's error body for a missing slice (a JSON errorMessage): KODEXA_URL's path looks wrong, as nothing under it serves Kodexa's API; set KODEXA_URL to the platform's base URL, such as https://platform.kodexa.ai, without /api or any other path`,
          ),
        );
      }
    } catch (error) {
      return failed('kodexa', error);
    }
  }
  passed(
    'kodexa',
    `${request} answered ${invocation.statusCodes.join(', ')}: reachable, and the key is accepted`,
  );
  return { healthy: true, steps };
}

/**
 * Kodexa's own answer for a slice it does not have: a 404 whose JSON body has an `errorMessage`
 * (tools/local/kodexa-emulator.ts). A path no controller serves gets Spring's error body instead
 * (`error`, `path`, no `errorMessage`), and one outside the platform a proxy's page.
 */
export function isKodexaNotFound(answer: { status: number; text: string }): boolean {
  if (answer.status !== 404) return false;
  try {
    const body: unknown = JSON.parse(answer.text);
    return isObject(body) && typeof body.errorMessage === 'string';
  } catch {
    return false;
  }
}

/** The same GET as the client's, read whole: the client tells only that Kodexa answered 404. */
async function answerTo(
  url: string,
  apiKey: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    // Stryker disable next-line StringLiteral: equivalent, Spring takes an empty Accept as any type
    headers: { accept: 'application/json', 'x-api-key': apiKey },
    // As the client: the key goes nowhere but KODEXA_URL.
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, text: await response.text() };
}
