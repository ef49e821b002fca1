import { describe, expect, it } from 'vitest';
import type { Completion } from '#functions/slice-completion/parse-event.ts';
import { decide, merge, type Slice } from '#functions/slice-completion/update-rules.ts';

const statuses = { succeeded: 'SUCCEEDED', failed: 'FAILED' };
const success: Completion = {
  sliceId: 's',
  lambdaRequestId: 'req-1',
  succeeded: true,
  completedAt: '2026-11-28T10:00:03.000Z',
};
const failure: Completion = {
  ...success,
  succeeded: false,
  errorMessage: 'boom',
  errorDetails: { errorType: 'E' },
};
const running: Slice = {
  id: 's',
  changeSequence: 4,
  status: 'RUNNING',
  attemptNumber: 2,
  startedAt: '2026-11-28T10:00:00.000Z',
  lambdaRequestId: null,
  outputEvent: { partial: true },
  owner: { id: 'o' },
};

describe('decide', () => {
  it.each([
    ['a running slice', running, success, 'update'],
    [
      'a duplicate success',
      { ...running, status: 'SUCCEEDED', lambdaRequestId: 'req-1' },
      success,
      'unchanged',
    ],
    [
      'a duplicate failure',
      { ...running, status: 'FAILED', lambdaRequestId: 'req-1' },
      failure,
      'unchanged',
    ],
    [
      'the same request, another status',
      { ...running, status: 'FAILED', lambdaRequestId: 'req-1' },
      success,
      'update',
    ],
    ['an older attempt', running, { ...success, attemptNumber: 1 }, 'stale'],
    ['the same attempt', running, { ...success, attemptNumber: 2 }, 'update'],
    ['a newer attempt', running, { ...success, attemptNumber: 3 }, 'update'],
    // JavaScript would compare 2 < '3' as numbers: only a number is an attempt
    [
      'an attempt against a slice attempt that is not a number',
      { ...running, attemptNumber: '3' },
      { ...success, attemptNumber: 2 },
      'update',
    ],
    [
      'a failure after another request succeeded',
      { ...running, status: 'SUCCEEDED', lambdaRequestId: 'req-0' },
      failure,
      'stale',
    ],
    [
      'a failure reported by the request that succeeded',
      { ...running, status: 'SUCCEEDED', lambdaRequestId: 'req-1' },
      failure,
      'update',
    ],
    [
      'a success after another request failed',
      { ...running, status: 'FAILED', lambdaRequestId: 'req-0' },
      success,
      'update',
    ],
    [
      'a success after another request succeeded',
      { ...running, status: 'SUCCEEDED', lambdaRequestId: 'req-0' },
      success,
      'update',
    ],
  ] as const)('%s: %s', (_, slice, completion, decision) => {
    expect(decide(slice, completion, statuses)).toBe(decision);
  });

  it('compares against the configured status strings', () => {
    const custom = { succeeded: 'DONE', failed: 'ERROR' };
    const slice = { ...running, status: 'DONE', lambdaRequestId: 'req-0' };
    expect(decide(slice, failure, custom)).toBe('stale');
    expect(decide({ ...slice, lambdaRequestId: 'req-1' }, success, custom)).toBe('unchanged');
  });
});

describe('merge', () => {
  it('sets the success fields and leaves the rest as read', () => {
    expect(merge(running, { ...success, outputEvent: { a: 1 }, durationMs: 10 }, statuses)).toEqual(
      {
        ...running,
        status: 'SUCCEEDED',
        lambdaRequestId: 'req-1',
        outputEvent: { a: 1 },
        durationMs: 10,
        completedAt: '2026-11-28T10:00:03.000Z',
        errorMessage: null,
        errorDetails: {},
      },
    );
  });

  it('sets the failure fields and keeps outputEvent', () => {
    expect(merge(running, failure, statuses)).toEqual({
      ...running,
      status: 'FAILED',
      lambdaRequestId: 'req-1',
      durationMs: 3000,
      completedAt: '2026-11-28T10:00:03.000Z',
      errorMessage: 'boom',
      errorDetails: { errorType: 'E' },
    });
  });

  it.each([
    ['no startedAt', { ...running, startedAt: undefined }, null],
    ['a startedAt after completion', { ...running, startedAt: '2026-11-28T11:00:00.000Z' }, null],
    ['an unparseable startedAt', { ...running, startedAt: 'soon' }, null],
    // Date.parse would read the array's one string
    [
      'a startedAt that is not a string',
      { ...running, startedAt: ['2026-11-28T10:00:00.000Z'] },
      null,
    ],
    ['a startedAt before completion', running, 3000],
    [
      'a startedAt equal to completion (a zero-length run)',
      { ...running, startedAt: '2026-11-28T10:00:03.000Z' },
      0,
    ],
    [
      'a startedAt 1 ms after completion',
      { ...running, startedAt: '2026-11-28T10:00:03.001Z' },
      null,
    ],
    [
      'a startedAt exactly 2^31 - 1 ms before completion',
      { ...running, startedAt: '2026-11-03T13:28:39.353Z' },
      2147483647,
    ],
    [
      'a startedAt longer ago than an int32 of milliseconds (24.8 days)',
      { ...running, startedAt: '2026-11-03T13:28:39.352Z' },
      null,
    ],
  ])('derives durationMs from %s', (_, slice, durationMs) => {
    expect(merge(slice, success, statuses).durationMs).toBe(durationMs);
  });

  it('defaults outputEvent to {} on success', () => {
    expect(merge(running, success, statuses).outputEvent).toEqual({});
  });

  it('does not change the slice it was given', () => {
    const copy = structuredClone(running);
    merge(running, success, statuses);
    expect(running).toEqual(copy);
  });
});
