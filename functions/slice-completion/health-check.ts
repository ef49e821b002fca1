// The read-only check that `npm run smoke` invokes after a deploy: not a completion. It proves in
// turn that the configuration is valid, that the secret is readable and that Kodexa is reachable
// and accepts the key, by reading a slice that cannot exist; it writes nothing and records no
// failure metric. A failed step is an answer, not a thrown error, so the check never counts as a
// failed invocation.
import type { ApiKeySource } from './api-key.ts';
import type { Config } from './config.ts';
import { SliceNotFound } from './errors.ts';
import { isObject } from './json-object.ts';
import type { Invocation, KodexaClient } from './kodexa-client.ts';
import { errorName } from './metrics.ts';

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

  const request = `GET ${config.kodexaUrl}/api/orchestrator-execution-slices/${NO_SUCH_SLICE_ID}`;
  try {
    await kodexa.getSlice(invocation, NO_SUCH_SLICE_ID);
  } catch (error) {
    if (!(error instanceof SliceNotFound)) return failed('kodexa', error);
  }
  passed(
    'kodexa',
    `${request} answered ${invocation.statusCodes.join(', ')}: reachable, and the key is accepted`,
  );
  return { healthy: true, steps };
}
