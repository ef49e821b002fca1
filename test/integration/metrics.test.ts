// The CloudWatch metrics of the built bundle, read from the Embedded Metric Format lines it writes
// to stdout and judged against the EMF specification, with the function's logging off.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COLD_START_METRIC } from '#functions/slice-completion/metric-names.ts';
import type { Slice } from '#tools/local/kodexa-emulator.ts';
import { type Handler, lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';
import { type EmfMetric, emfMetrics } from '../support/emf.ts';

let services: LocalServices;
let handler: Handler | undefined;

const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
  Object.assign(process.env, services.env, {
    KODEXA_REQUEST_TIMEOUT_MS: '1000',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.POWERTOOLS_METRICS_NAMESPACE;
});
// The file's container, warm before any test uses it, so that no test's metrics depend on whether
// it runs first: only a cold start adds ColdStart. Warmed in the first test, not in beforeAll:
// mutation testing credits no test with what runs in beforeAll (docs/testing.md).
beforeEach(async () => {
  if (handler) return;
  handler = await loadBundle();
  await handler({ sliceId: seedSlice().id, lambdaRequestId: randomUUID() }, lambdaContext());
});
afterAll(() => services.close());
afterEach(() => services.kodexa.clearFaults());

function seedSlice(fields: Record<string, unknown> = {}): Slice {
  const slice: Slice = { id: randomUUID(), changeSequence: 1, status: 'RUNNING', ...fields };
  services.kodexa.slices.set(slice.id, structuredClone(slice));
  return slice;
}

/**
 * One invocation's metrics, by name; fails the test if a line breaks the EMF specification, or if
 * the invocation does not end as `fails` says: with the error of that name, or (by default) without
 * one.
 */
async function metricsOf(
  event: unknown,
  { container = handler as Handler, timeoutMs = 10_000, fails = '' } = {},
): Promise<Map<string, EmfMetric>> {
  output.clear();
  const thrown = await container(event, lambdaContext(timeoutMs)).then(
    () => '',
    (error: unknown) => (error instanceof Error ? error.name : `a non-Error: ${String(error)}`),
  );
  expect(thrown, 'the name of the error the invocation threw').toBe(fails);
  // Logging is SILENT: whatever the function wrote is metrics.
  expect(output.logLines()).toEqual([]);
  const metrics = new Map<string, EmfMetric>();
  for (const document of output.metricLines()) {
    for (const [name, metric] of emfMetrics(document)) {
      expect([...metrics.keys()], `${name} written twice`).not.toContain(name);
      metrics.set(name, metric);
    }
  }
  return metrics;
}

const count = (value: number, dimensions: Record<string, string> = {}) => ({
  namespace: 'Kodexa/SliceCompletion',
  unit: 'Count',
  value,
  dimensionSets: [['service', ...Object.keys(dimensions)]],
  dimensions: { service: 'slice-completion', ...dimensions },
});

describe('ColdStart', () => {
  it('is written by the first invocation of a container only, with the function name', async () => {
    // A container of its own, whichever tests ran before.
    const container = await loadBundle();
    const event = () => ({ sliceId: seedSlice().id, lambdaRequestId: randomUUID() });
    const first = await metricsOf(event(), { container });
    // By the name the dashboard and alarms use (metric-names.ts), which Powertools writes itself.
    expect(first.get(COLD_START_METRIC)).toEqual(count(1, { function_name: 'slice-completion' }));
    const second = await metricsOf(event(), { container });
    expect([...second.keys()]).not.toContain('ColdStart');
    expect(second.get('SliceUpdated')).toEqual(count(1));
  });
});

describe('an updated slice', () => {
  it('counts SliceUpdated, no retries or conflicts, and CompletionLag in milliseconds', async () => {
    const completedAt = Date.now() - 60_000;
    const before = Date.now();
    const metrics = await metricsOf({
      sliceId: seedSlice().id,
      lambdaRequestId: randomUUID(),
      completedAt: new Date(completedAt).toISOString(),
    });
    const after = Date.now();

    expect([...metrics.keys()].sort()).toEqual([
      'CompletionLag',
      'KodexaConflicts',
      'KodexaRetries',
      'SliceUpdated',
    ]);
    expect(metrics.get('SliceUpdated')).toEqual(count(1));
    expect(metrics.get('KodexaRetries')).toEqual(count(0));
    expect(metrics.get('KodexaConflicts')).toEqual(count(0));
    const lag = metrics.get('CompletionLag');
    expect(lag).toMatchObject({ ...count(0), unit: 'Milliseconds', value: expect.any(Number) });
    expect(lag?.value).toBeGreaterThanOrEqual(before - completedAt);
    expect(lag?.value).toBeLessThanOrEqual(after - completedAt);
  });

  it('takes CompletionLag from the envelope time, counts a time ahead as 0, and leaves it out when no time was given', async () => {
    const time = new Date(Date.now() - 60_000).toISOString();
    const viaBus = await metricsOf({
      'detail-type': 'Execution Slice Completed',
      time,
      detail: { sliceId: seedSlice().id, lambdaRequestId: randomUUID() },
    });
    expect(viaBus.get('CompletionLag')?.value).toBeGreaterThanOrEqual(60_000);

    const ahead = await metricsOf({
      sliceId: seedSlice().id,
      lambdaRequestId: randomUUID(),
      completedAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(ahead.get('CompletionLag')?.value).toBe(0);

    const untimed = await metricsOf({ sliceId: seedSlice().id, lambdaRequestId: randomUUID() });
    expect(untimed.get('SliceUpdated')).toEqual(count(1));
    expect([...untimed.keys()]).not.toContain('CompletionLag');
  });

  it('counts the requests Kodexa made it retry and the writes it had to re-read for', async () => {
    const slice = seedSlice();
    services.kodexa.inject(
      { method: 'GET', status: 503 },
      { method: 'PUT', concurrentWrite: { assignee: 'someone else' } },
    );
    const metrics = await metricsOf({ sliceId: slice.id, lambdaRequestId: randomUUID() });
    expect(metrics.get('SliceUpdated')).toEqual(count(1));
    expect(metrics.get('KodexaRetries')).toEqual(count(1));
    expect(metrics.get('KodexaConflicts')).toEqual(count(1));
  });
});

describe('a slice left alone', () => {
  // Each event gives its completion time: only an update is a completion that reached Kodexa.
  const completedAt = () => new Date(Date.now() - 60_000).toISOString();

  it('counts SliceUnchanged for a duplicate delivery, without CompletionLag', async () => {
    const event = {
      sliceId: seedSlice().id,
      lambdaRequestId: randomUUID(),
      completedAt: completedAt(),
    };
    await metricsOf(event);
    const metrics = await metricsOf(event);
    expect([...metrics.keys()].sort()).toEqual([
      'KodexaConflicts',
      'KodexaRetries',
      'SliceUnchanged',
    ]);
    expect(metrics.get('SliceUnchanged')).toEqual(count(1));
  });

  it('counts SliceStale for an older attempt, without CompletionLag', async () => {
    const slice = seedSlice({ attemptNumber: 3 });
    const metrics = await metricsOf({
      sliceId: slice.id,
      lambdaRequestId: randomUUID(),
      attemptNumber: 1,
      completedAt: completedAt(),
    });
    expect([...metrics.keys()].sort()).toEqual(['KodexaConflicts', 'KodexaRetries', 'SliceStale']);
    expect(metrics.get('SliceStale')).toEqual(count(1));
  });
});

describe('a failed invocation', () => {
  it.each([
    ['SliceNotFound', { sliceId: randomUUID(), lambdaRequestId: 'r' }],
    ['InvalidCompletionEvent', { sliceId: 'not-a-uuid' }],
  ])(
    'counts SliceCompletionFailed with ErrorName %s, apart from the counters',
    async (name, event) => {
      const metrics = await metricsOf(event, { fails: name });
      expect([...metrics.keys()].sort()).toEqual([
        'KodexaConflicts',
        'KodexaRetries',
        'SliceCompletionFailed',
      ]);
      expect(metrics.get('SliceCompletionFailed')).toEqual(count(1, { ErrorName: name }));
      // Only the failure count carries ErrorName: the counters stay summable across outcomes.
      expect(metrics.get('KodexaRetries')).toEqual(count(0));
    },
  );

  it('counts the retries of a request that never succeeded', async () => {
    const slice = seedSlice();
    // The client gives up after six attempts. Retry-After: 0 keeps each wait under 0.1 s, so the
    // six fit well within the invocation's 10 s however slow the machine: five retries, always.
    const unavailable = { status: 503, headers: { 'retry-after': '0' } };
    services.kodexa.inject(...Array.from({ length: 6 }, () => unavailable));
    const metrics = await metricsOf(
      { sliceId: slice.id, lambdaRequestId: randomUUID() },
      { fails: 'KodexaUnavailable' },
    );
    expect(metrics.get('SliceCompletionFailed')).toEqual(
      count(1, { ErrorName: 'KodexaUnavailable' }),
    );
    expect(metrics.get('KodexaRetries')).toEqual(count(5));
  });
});

describe('the namespace', () => {
  it('is POWERTOOLS_METRICS_NAMESPACE when set', async () => {
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'Acme/Elsewhere';
    try {
      const container = await loadBundle();
      const metrics = await metricsOf(
        { sliceId: seedSlice().id, lambdaRequestId: 'r' },
        { container },
      );
      expect(metrics.size).toBeGreaterThan(0);
      for (const metric of metrics.values()) expect(metric.namespace).toBe('Acme/Elsewhere');
    } finally {
      delete process.env.POWERTOOLS_METRICS_NAMESPACE;
    }
  });
});
