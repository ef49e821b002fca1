// The built bundle, end to end, against Kodexa and Secrets Manager on loopback.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Fault, Slice } from '#tools/local/kodexa-emulator.ts';
import { type Handler, lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import {
  API_KEY_SECRET_NAME,
  type LocalServices,
  startLocalServices,
} from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';

let services: LocalServices;
let handler: Handler;
const output = captureOutput();

beforeAll(async () => {
  services = await startLocalServices({ slices: [] });
  Object.assign(process.env, services.env, { KODEXA_REQUEST_TIMEOUT_MS: '1000' });
  handler = await loadBundle();
});
afterAll(() => services.close());
afterEach(() => {
  output.clear();
  services.kodexa.clearFaults();
});

function seedSlice(fields: Record<string, unknown> = {}): Slice {
  const id = randomUUID();
  const slice: Slice = {
    id,
    changeSequence: 7,
    createdOn: '2026-11-28T09:00:00.000Z',
    pipelineExecution: { id: randomUUID() },
    inputEvent: { documentFamilyIds: ['family-a'] },
    assignee: { name: 'another writer' },
    status: 'RUNNING',
    attemptNumber: 2,
    startedAt: '2026-11-28T10:00:00.000Z',
    lambdaRequestId: null,
    outputEvent: { partial: true },
    durationMs: null,
    completedAt: null,
    errorMessage: null,
    errorDetails: {},
    ...fields,
  };
  services.kodexa.slices.set(id, structuredClone(slice));
  return slice;
}

const sliceUrl = (id: string) => `${services.kodexa.url}/api/orchestrator-execution-slices/${id}`;
const stored = (id: string) => services.kodexa.slices.get(id) as Slice;
const requestsFor = (id: string) => services.kodexa.requests.filter((r) => r.path.endsWith(id));

async function invoke(event: unknown, timeoutMs?: number) {
  return handler(event, lambdaContext(timeoutMs));
}

async function failure(event: unknown, timeoutMs?: number): Promise<Error> {
  const error = await invoke(event, timeoutMs).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the invocation to fail');
  return error;
}

function destinationRecord(sliceId: string, overrides: Record<string, unknown> = {}) {
  return {
    version: '1.0',
    timestamp: '2026-11-28T10:00:09.500Z',
    requestContext: {
      requestId: randomUUID(),
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline:$LATEST',
      condition: 'Success',
      approximateInvokeCount: 1,
    },
    requestPayload: { sliceId },
    responseContext: { statusCode: 200, executedVersion: '$LATEST' },
    responsePayload: { documents: 3 },
    ...overrides,
  };
}

describe('a successful completion', () => {
  it('writes status, request id, output, duration and completion time, and keeps every other field', async () => {
    const slice = seedSlice();
    const result = await invoke({
      sliceId: slice.id,
      lambdaRequestId: 'req-1',
      outputEvent: { documents: 3 },
      durationMs: 1234,
      completedAt: '2026-11-28T10:00:01.234Z',
    });

    expect(result).toEqual({ sliceId: slice.id, outcome: 'updated', changeSequence: 8 });
    const { updatedOn, ...after } = stored(slice.id);
    expect(after).toEqual({
      ...slice,
      changeSequence: 8,
      status: 'SUCCEEDED',
      lambdaRequestId: 'req-1',
      outputEvent: { documents: 3 },
      durationMs: 1234,
      completedAt: '2026-11-28T10:00:01.234Z',
      errorMessage: null,
      errorDetails: {},
    });
    expect(requestsFor(slice.id).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'PUT 200',
    ]);
  });

  it('derives durationMs from startedAt when the event carries none', async () => {
    const slice = seedSlice();
    await invoke({
      sliceId: slice.id,
      lambdaRequestId: 'req-1',
      completedAt: '2026-11-28T10:00:02.500Z',
    });
    expect(stored(slice.id)).toMatchObject({ durationMs: 2500, outputEvent: {} });
  });

  it('records durationMs 0 for a zero-length run (startedAt equal to completedAt)', async () => {
    const slice = seedSlice({ startedAt: '2026-11-28T10:00:00.000Z' });
    await invoke({
      sliceId: slice.id,
      lambdaRequestId: 'req-0',
      completedAt: '2026-11-28T10:00:00.000Z',
    });
    expect(stored(slice.id)).toMatchObject({ status: 'SUCCEEDED', durationMs: 0 });
  });

  it('takes a destination record that arrives through EventBridge, wrapping a non-object payload', async () => {
    const slice = seedSlice();
    const record = destinationRecord(slice.id, { responsePayload: 'done' });
    await invoke({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Lambda Function Invocation Result - Success',
      source: 'lambda',
      account: '123456789012',
      time: '2026-11-28T10:00:10Z',
      region: 'eu-west-1',
      resources: [],
      detail: record,
    });
    expect(stored(slice.id)).toMatchObject({
      status: 'SUCCEEDED',
      lambdaRequestId: record.requestContext.requestId,
      outputEvent: { value: 'done' },
      completedAt: '2026-11-28T10:00:09.500Z',
      durationMs: 9500,
    });
  });

  it('logs one line with the slice, the request, the outcome and the Kodexa status codes', async () => {
    const slice = seedSlice();
    // Warm, whichever tests ran before: only a container's first invocation is a cold start.
    await invoke({ sliceId: seedSlice().id, lambdaRequestId: 'warm-up' });
    output.clear();
    await invoke({ sliceId: slice.id, lambdaRequestId: 'req-log' });
    const lines = output.logLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'slice completion reported',
      service: 'slice-completion',
      cold_start: false,
      sliceId: slice.id,
      lambdaRequestId: 'req-log',
      outcome: 'updated',
      kodexaStatusCodes: [200, 200],
      retries: 0,
      conflicts: 0,
    });
  });
});

describe('a failed completion', () => {
  it('writes the error from a raw destination failure record and keeps outputEvent', async () => {
    const slice = seedSlice();
    const record = destinationRecord(slice.id, {
      requestContext: {
        requestId: 'req-fail',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'Error',
        errorMessage: 'boom',
        trace: ['Error: boom', '  at x'],
      },
    });
    await invoke(record);
    expect(stored(slice.id)).toMatchObject({
      status: 'FAILED',
      lambdaRequestId: 'req-fail',
      outputEvent: { partial: true },
      errorMessage: 'boom',
      errorDetails: {
        errorType: 'Error',
        stackTrace: ['Error: boom', '  at x'],
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionError: 'Unhandled',
      },
    });
  });
});

describe('a pipeline that an EventBridge rule invokes', () => {
  // Its destination records carry the EventBridge event it was invoked with as requestPayload.
  const triggeringEvent = (sliceId: string, attemptNumber = 2) => ({
    version: '0',
    id: randomUUID(),
    'detail-type': 'Execution Slice Ready',
    source: 'kodexa.orchestrator',
    account: '123456789012',
    time: '2026-11-28T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { sliceId, attemptNumber },
  });
  const viaBus = (detailType: string, detail: unknown) => ({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'lambda',
    account: '123456789012',
    time: '2026-11-28T10:00:10Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });
  const failed = (sliceId: string) =>
    destinationRecord(sliceId, {
      requestPayload: triggeringEvent(sliceId),
      requestContext: { requestId: 'req-eb-fail', condition: 'RetriesExhausted' },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      responsePayload: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' },
    });

  it.each([
    ['raw', (record: unknown) => record],
    [
      'via the bus',
      (record: unknown) => viaBus('Lambda Function Invocation Result - Success', record),
    ],
  ])('records a success delivered %s', async (_, deliver) => {
    const slice = seedSlice();
    const record = destinationRecord(slice.id, { requestPayload: triggeringEvent(slice.id) });
    expect(await invoke(deliver(record))).toMatchObject({ outcome: 'updated' });
    expect(stored(slice.id)).toMatchObject({
      status: 'SUCCEEDED',
      lambdaRequestId: record.requestContext.requestId,
      outputEvent: { documents: 3 },
    });
  });

  it.each([
    ['raw', (record: unknown) => record],
    [
      'via the bus',
      (record: unknown) => viaBus('Lambda Function Invocation Result – Failure', record),
    ],
  ])('records a failure delivered %s', async (_, deliver) => {
    const slice = seedSlice();
    expect(await invoke(deliver(failed(slice.id)))).toMatchObject({ outcome: 'updated' });
    expect(stored(slice.id)).toMatchObject({
      status: 'FAILED',
      lambdaRequestId: 'req-eb-fail',
      errorMessage: 'Task timed out',
      errorDetails: { errorType: 'Sandbox.Timedout', condition: 'RetriesExhausted' },
    });
  });

  it('takes the attempt from requestPayload.detail, so an older attempt is stale', async () => {
    const slice = seedSlice({ attemptNumber: 3 });
    const record = destinationRecord(slice.id, { requestPayload: triggeringEvent(slice.id, 2) });
    expect(await invoke(record)).toMatchObject({ outcome: 'stale' });
  });

  it('names requestPayload.detail.sliceId when the slice id is missing, before any call to Kodexa', async () => {
    const before = services.kodexa.requests.length;
    const event = viaBus(
      'Lambda Function Invocation Result - Success',
      destinationRecord('x', { requestPayload: { ...triggeringEvent('x'), detail: {} } }),
    );
    const error = await failure(event);
    expect(error.name).toBe('InvalidCompletionEvent');
    expect(error.message).toBe(
      'invalid completion event: detail.requestPayload.detail.sliceId: is required',
    );
    expect(services.kodexa.requests.length).toBe(before);
  });
});

describe('what Kodexa stores as int32', () => {
  it.each([
    ['durationMs', { durationMs: 3000000000 }],
    ['attemptNumber', { attemptNumber: 2147483648 }],
  ])(
    'an event whose %s is beyond int32 is InvalidCompletionEvent and never reaches Kodexa',
    async (field, fields) => {
      const slice = seedSlice();
      const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r', ...fields });
      expect(error.name).toBe('InvalidCompletionEvent');
      expect(error.message).toContain(`${field}: must be an integer from 0 to 2147483647`);
      expect(requestsFor(slice.id)).toEqual([]);
    },
  );

  it('a destination payload`s durationMs beyond int32 is ignored and the duration derived', async () => {
    const slice = seedSlice();
    await invoke(destinationRecord(slice.id, { responsePayload: { durationMs: 5e9 } }));
    expect(stored(slice.id)).toMatchObject({ durationMs: 9500, outputEvent: { durationMs: 5e9 } });
  });

  it('a derived duration beyond int32 (a startedAt weeks old) is written as null', async () => {
    const slice = seedSlice({ startedAt: '2026-10-01T00:00:00.000Z' });
    const result = await invoke({
      sliceId: slice.id,
      lambdaRequestId: 'r',
      completedAt: '2026-11-28T10:00:00.000Z',
    });
    expect(result).toMatchObject({ outcome: 'updated' });
    expect(stored(slice.id)).toMatchObject({ durationMs: null, status: 'SUCCEEDED' });
  });
});

describe('what the function does not own', () => {
  // Parsed from JSON, as the Lambda runtime parses an event and the function a slice, `__proto__`
  // is an own key like any other.
  const exotic = (marker: string) =>
    `{"__proto__":{"polluted":"${marker}"},"constructor":{"prototype":1},"a":[1]}`;

  it('reaches Kodexa exactly as received or read, a key named __proto__ included, polluting nothing', async () => {
    const othersFields = `"__proto__":${exotic('slice')},"extra":${exotic('extra')}`;
    const seedExotic = () => {
      const slice = seedSlice();
      const text = `${JSON.stringify({ ...slice, outputEvent: undefined }).slice(0, -1)},${othersFields}}`;
      services.kodexa.slices.set(slice.id, JSON.parse(text));
      return slice.id;
    };

    const succeeded = seedExotic();
    await invoke(
      JSON.parse(`{"sliceId":"${succeeded}","lambdaRequestId":"r","outputEvent":${exotic('out')}}`),
    );
    const afterSuccess = JSON.stringify(stored(succeeded));
    expect(afterSuccess).toContain(`"outputEvent":${exotic('out')}`);
    expect(afterSuccess).toContain(othersFields);

    const failed = seedExotic();
    await invoke(
      JSON.parse(
        `{"sliceId":"${failed}","lambdaRequestId":"r","error":{"message":"m","details":${exotic('details')}}}`,
      ),
    );
    const afterFailure = JSON.stringify(stored(failed));
    expect(afterFailure).toContain(`"errorDetails":{"details":${exotic('details')}}`);
    expect(afterFailure).toContain(othersFields);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('at-least-once and out-of-order delivery', () => {
  it('writes nothing for a duplicate', async () => {
    const slice = seedSlice();
    const event = { sliceId: slice.id, lambdaRequestId: 'req-dup' };
    await invoke(event);
    const result = await invoke(event);
    expect(result).toEqual({ sliceId: slice.id, outcome: 'unchanged', changeSequence: 8 });
    expect(requestsFor(slice.id).filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('writes nothing for an attempt older than the slice', async () => {
    const slice = seedSlice({ attemptNumber: 3 });
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'old', attemptNumber: 2 });
    expect(result).toMatchObject({ outcome: 'stale' });
    expect(stored(slice.id)).toEqual(slice);
  });

  it('does not let another request fail a slice that already SUCCEEDED', async () => {
    const slice = seedSlice({ status: 'SUCCEEDED', lambdaRequestId: 'winner' });
    const result = await invoke({
      sliceId: slice.id,
      lambdaRequestId: 'loser',
      error: { message: 'late' },
    });
    expect(result).toMatchObject({ outcome: 'stale' });
    expect(stored(slice.id)).toMatchObject({ status: 'SUCCEEDED', lambdaRequestId: 'winner' });
  });
});

describe('concurrent writers', () => {
  it('re-reads after a 409 and keeps what the other writer wrote', async () => {
    const slice = seedSlice();
    services.kodexa.inject({ method: 'PUT', concurrentWrite: { assignee: { name: 'new owner' } } });
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'req-c' });
    expect(result).toEqual({ sliceId: slice.id, outcome: 'updated', changeSequence: 9 });
    expect(stored(slice.id)).toMatchObject({
      assignee: { name: 'new owner' },
      status: 'SUCCEEDED',
    });
    expect(requestsFor(slice.id).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'PUT 409',
      'GET 200',
      'PUT 200',
    ]);
    expect(output.logLines()[0]).toMatchObject({ conflicts: 1 });
  });

  it('takes a 412 to the write as a conflict too: re-reads, merges anew and writes', async () => {
    const slice = seedSlice();
    services.kodexa.inject({ method: 'PUT', preconditionFailed: true });
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'req-412' });
    expect(result).toEqual({ sliceId: slice.id, outcome: 'updated', changeSequence: 8 });
    expect(requestsFor(slice.id).map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'PUT 412',
      'GET 200',
      'PUT 200',
    ]);
    expect(output.logLines()).toEqual([expect.objectContaining({ conflicts: 1, retries: 0 })]);
  });

  it('gives up with SliceUpdateConflict after five re-reads', async () => {
    const slice = seedSlice();
    for (let i = 0; i < 6; i++)
      services.kodexa.inject({ method: 'PUT', concurrentWrite: { n: i } });
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'req-c' });
    expect(error.name).toBe('SliceUpdateConflict');
    expect(error.message).toBe(
      `slice ${slice.id} changed under every write: Kodexa answered 409/412 to 6 PUTs in a row`,
    );
    expect(requestsFor(slice.id).filter((r) => r.status === 409)).toHaveLength(6);
  });
});

describe('Kodexa refusing or failing', () => {
  it('fails with SliceNotFound on 404, without retrying', async () => {
    const id = randomUUID();
    const error = await failure({ sliceId: id, lambdaRequestId: 'r' });
    expect(error.name).toBe('SliceNotFound');
    expect(error.message).toContain(id);
    expect(requestsFor(id)).toHaveLength(1);
  });

  it.each([
    ['204 without a body', { method: 'PUT', status: 204 }],
    ['200 with a blank body', { method: 'PUT', status: 200, text: '\n' }],
  ] as const)('takes a PUT answered %s as done', async (_, fault) => {
    const slice = seedSlice();
    services.kodexa.inject(fault);
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(result).toEqual({ sliceId: slice.id, outcome: 'updated', changeSequence: null });
  });

  it.each([
    ['an array', ['not', 'a', 'slice'], ': ["not","a","slice"]'],
    ['null', null, ': null'],
    ['a string', 'done', ': "done"'],
    ['nothing', undefined, ''],
  ])(
    'fails with KodexaRequestRejected when Kodexa answers a GET with %s',
    async (_, body, quoted) => {
      const slice = seedSlice();
      services.kodexa.inject({ method: 'GET', status: 200, body });
      const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' });
      expect(error).toMatchObject({
        name: 'KodexaRequestRejected',
        message: `GET ${sliceUrl(slice.id)}: Kodexa answered 200 without a JSON slice${quoted}`,
      });
    },
  );

  it('fails with KodexaRequestRejected when Kodexa answers a GET with 409: only a write conflicts', async () => {
    const slice = seedSlice();
    services.kodexa.inject({ method: 'GET', status: 409 });
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(error).toMatchObject({
      name: 'KodexaRequestRejected',
      message: `GET ${sliceUrl(slice.id)}: Kodexa answered 409`,
    });
  });

  it.each([
    [
      'spread over indented lines, as one line',
      '  <h1>Bad Request</h1>\n\t<p>durationMs\n    out of range</p>\n',
      ': <h1>Bad Request</h1> <p>durationMs out of range</p>',
    ],
    ['of 300 characters, whole', 'x'.repeat(300), `: ${'x'.repeat(300)}`],
    ['of more, cut to 300 characters', `${'x'.repeat(300)}yz`, `: ${'x'.repeat(297)}...`],
    ['of spaces only, not at all', ' \n ', ''],
  ])('quotes an error body %s', async (_, text, quoted) => {
    const slice = seedSlice();
    services.kodexa.inject({ method: 'PUT', status: 400, text });
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(error).toMatchObject({
      name: 'KodexaRequestRejected',
      message: `PUT ${sliceUrl(slice.id)}: Kodexa answered 400${quoted}`,
    });
  });

  it('fails with KodexaRequestRejected on 400, quoting the status and Kodexa`s error body', async () => {
    const slice = seedSlice();
    services.kodexa.inject({
      method: 'PUT',
      status: 400,
      body: { errorMessage: 'durationMs out of range' },
    });
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(error.name).toBe('KodexaRequestRejected');
    expect(error.message).toContain('400');
    expect(error.message).toContain('durationMs out of range');
  });

  it('retries 5xx and 429 and a reset connection', async () => {
    const slice = seedSlice();
    services.kodexa.inject(
      { status: 500, body: { errorMessage: 'maintenance' } },
      { reset: true },
      { status: 429, headers: { 'retry-after': '0' } },
    );
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(result).toMatchObject({ outcome: 'updated' });
    expect(output.logLines()[0]).toMatchObject({
      retries: 3,
      kodexaStatusCodes: [500, 429, 200, 200],
    });
  });

  it('retries a 503 whose body is cut off', async () => {
    const slice = seedSlice();
    services.kodexa.inject({ method: 'GET', status: 503, cutOff: true });
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(result).toMatchObject({ outcome: 'updated' });
    expect(output.logLines()[0]).toMatchObject({ retries: 1, kodexaStatusCodes: [503, 200, 200] });
  });

  it('retries a response slower than KODEXA_REQUEST_TIMEOUT_MS', async () => {
    const slice = seedSlice();
    services.kodexa.inject({ method: 'GET', delayMs: 1500 });
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(result).toMatchObject({ outcome: 'updated' });
    expect(output.logLines()[0]).toMatchObject({ retries: 1 });
  });

  it('waits what Retry-After asks, so fails with KodexaUnavailable at once when that passes the invocation`s deadline', async () => {
    const slice = seedSlice();
    // 5 s asked, and a jitter of up to 100 ms: 37 ms with Math.random, the function's random
    // source, drawing 0.37 in this container. 2.5 s left: the wait would end past the deadline.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.37);
    services.kodexa.inject({ method: 'GET', status: 503, headers: { 'retry-after': '5' } });
    const error = await loadBundle()
      .then((container) =>
        container({ sliceId: slice.id, lambdaRequestId: 'r' }, lambdaContext(2500)),
      )
      .then(
        () => new Error('the invocation succeeded'),
        (e: Error) => e,
      )
      .finally(() => random.mockRestore());
    expect(error).toMatchObject({
      name: 'KodexaUnavailable',
      message: `GET ${sliceUrl(slice.id)}: failed 1 time(s) and the next retry (in 5037 ms) would pass the invocation's deadline; last failure: HTTP 503`,
    });
    expect(requestsFor(slice.id)).toEqual([
      expect.objectContaining({ method: 'GET', status: 503 }),
    ]);
  });
});

describe('the invocation`s deadline', () => {
  it('lets no request start with less than the 500 ms margin left', async () => {
    const slice = seedSlice();
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' }, 400);
    expect(error).toMatchObject({
      name: 'KodexaUnavailable',
      message: `GET ${sliceUrl(slice.id)}: no time left in this invocation`,
    });
    expect(requestsFor(slice.id)).toEqual([]);
  });

  it('cuts a request at the time left less a 500 ms margin, and fails with KodexaUnavailable', async () => {
    const slice = seedSlice();
    // A minute late, with 1.2 s left and a request timeout of 1 s: the function may wait at most
    // 0.7 s for the answer, keeping 0.5 s to log the failure and throw before Lambda's timeout.
    services.kodexa.inject({ method: 'GET', delayMs: 60_000 });
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' }, 1200);
    expect(error.name).toBe('KodexaUnavailable');
    // One attempt, then the deadline. But a timer may fire a millisecond early by Date.now(): then
    // a retry drawn to wait 0 ms still fits, and the message names the last (shorter) cut.
    const stopped =
      /^GET \S+: (?:failed \d time\(s\) and the next retry \(in \d+ ms\) would pass the invocation's deadline; last failure: |no time left in this invocation \(last failure: )no response within (\d+) ms\)?$/;
    expect(error.message).toMatch(stopped);
    expect(Number(stopped.exec(error.message)?.[1])).toBeLessThanOrEqual(1200 - 500);
    // Kodexa sees the client go when its connection closes, which may take a turn.
    await expect
      .poll(() => requestsFor(slice.id)[0])
      .toEqual({ method: 'GET', path: expect.any(String), status: 0 });
    expect(stored(slice.id)).toEqual(slice);
  });
});

describe('the API key', () => {
  it('is read once per container and one connection serves many warm invocations', async () => {
    const fresh = await startLocalServices({ slices: [] });
    Object.assign(process.env, fresh.env);
    try {
      const warm = await loadBundle();
      const slice = seedSliceIn(fresh);
      for (let i = 0; i < 30; i++) {
        await warm({ sliceId: slice.id, lambdaRequestId: `req-${i}` }, lambdaContext());
      }
      expect(fresh.secrets.reads.get(API_KEY_SECRET_NAME)).toBe(1);
      expect(fresh.kodexa.connections()).toBe(1);
      expect(fresh.kodexa.requests).toHaveLength(60);
      const coldStarts = output.logLines().map((line) => line.cold_start);
      expect(coldStarts).toEqual([true, ...Array(29).fill(false)]);
    } finally {
      Object.assign(process.env, services.env);
      await fresh.close();
    }
  });

  it('is re-read once, bypassing the cache, when Kodexa answers 401 after a rotation', async () => {
    const slice = seedSlice();
    await invoke({ sliceId: seedSlice().id, lambdaRequestId: 'warm-up' });
    const readsBefore = services.secrets.reads.get(API_KEY_SECRET_NAME) ?? 0;
    services.rotateApiKey(`rotated-${randomUUID()}`);
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(result).toMatchObject({ outcome: 'updated' });
    expect(services.secrets.reads.get(API_KEY_SECRET_NAME)).toBe(readsBefore + 1);
    expect(requestsFor(slice.id).map((r) => r.status)).toEqual([401, 200, 200]);
  });

  it.each([
    [
      'a 401, not again on the retries that follow',
      [{ status: 401 }, { status: 503 }, { status: 503 }],
      [401, 503, 503, 200, 200],
    ],
    ['a 403, and the request repeated with it', [{ forbidden: true }], [403, 200, 200]],
  ] as [string, Fault[], number[]][])('is re-read once after %s', async (_, faults, statuses) => {
    const slice = seedSlice();
    await invoke({ sliceId: seedSlice().id, lambdaRequestId: 'warm-up' });
    const readsBefore = services.secrets.reads.get(API_KEY_SECRET_NAME) ?? 0;
    services.kodexa.inject(...faults);
    const result = await invoke({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(result).toMatchObject({ outcome: 'updated' });
    expect(services.secrets.reads.get(API_KEY_SECRET_NAME)).toBe(readsBefore + 1);
    expect(requestsFor(slice.id).map((r) => r.status)).toEqual(statuses);
  });

  it('fails with KodexaAuthError naming the secret when a 403 follows the re-read too', async () => {
    const slice = seedSlice();
    await invoke({ sliceId: seedSlice().id, lambdaRequestId: 'warm-up' });
    const readsBefore = services.secrets.reads.get(API_KEY_SECRET_NAME) ?? 0;
    services.kodexa.inject({ forbidden: true }, { forbidden: true });
    const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' });
    expect(error.name).toBe('KodexaAuthError');
    expect(error.message).toBe(
      `GET ${services.kodexa.url}/api/orchestrator-execution-slices/${slice.id}: Kodexa answered 403 to the API key from secret ${API_KEY_SECRET_NAME}, also after re-reading the secret`,
    );
    expect(services.secrets.reads.get(API_KEY_SECRET_NAME)).toBe(readsBefore + 1);
    expect(requestsFor(slice.id).map((r) => r.status)).toEqual([403, 403]);
  });

  it('fails with KodexaAuthError naming the secret when the fresh key is refused too', async () => {
    const slice = seedSlice();
    const keyInSecret = services.kodexa.apiKey;
    services.kodexa.setApiKey(`kodexa-only-${randomUUID()}`);
    try {
      const error = await failure({ sliceId: slice.id, lambdaRequestId: 'r' });
      expect(error.name).toBe('KodexaAuthError');
      expect(error.message).toContain(API_KEY_SECRET_NAME);
      expect(error.message).not.toContain(keyInSecret);
    } finally {
      services.kodexa.setApiKey(keyInSecret);
    }
  });
});

describe('DEBUG logging', () => {
  it('logs every exchange with Kodexa: what failed, and what answered with which status', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    try {
      const container = await loadBundle();
      const slice = seedSlice();
      services.kodexa.inject({ method: 'GET', reset: true });
      await container({ sliceId: slice.id, lambdaRequestId: 'r' }, lambdaContext());
      const exchanges = output
        .logLines()
        .filter((line) => String(line.message).startsWith('Kodexa '))
        .map(({ level, message, request, attempt, status, failure }) => ({
          level,
          message,
          request,
          attempt,
          ...(status === undefined ? { failure } : { status }),
        }));
      expect(exchanges).toEqual([
        {
          level: 'DEBUG',
          message: 'Kodexa request failed',
          request: `GET ${sliceUrl(slice.id)}`,
          attempt: 1,
          failure: expect.stringMatching(/^connection failed \(\w+\): \S/),
        },
        {
          level: 'DEBUG',
          message: 'Kodexa answered',
          request: `GET ${sliceUrl(slice.id)}`,
          attempt: 2,
          status: 200,
        },
        {
          level: 'DEBUG',
          message: 'Kodexa answered',
          request: `PUT ${sliceUrl(slice.id)}`,
          attempt: 1,
          status: 200,
        },
      ]);
    } finally {
      delete process.env.POWERTOOLS_LOG_LEVEL;
    }
  });
});

describe('bad input', () => {
  it('is rejected with InvalidCompletionEvent before any call to Kodexa', async () => {
    const before = services.kodexa.requests.length;
    const error = await failure({ sliceId: '../../x', lambdaRequestId: '' });
    expect(error.name).toBe('InvalidCompletionEvent');
    expect(error.message).toContain('sliceId: must be a UUID');
    expect(error.message).toContain('lambdaRequestId: must be a non-empty string');
    expect(services.kodexa.requests.length).toBe(before);
    expect(output.logLines()[0]).toMatchObject({
      level: 'ERROR',
      error: { name: 'InvalidCompletionEvent' },
    });
  });
});

function seedSliceIn(local: LocalServices): Slice {
  const slice: Slice = { id: randomUUID(), changeSequence: 1, status: 'RUNNING' };
  local.kodexa.slices.set(slice.id, structuredClone(slice));
  return slice;
}
