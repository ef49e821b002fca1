// Invariants of the pure modules, for inputs nobody thought to write down. fast-check prints the
// seed and the smallest failing input; the seed is pinned so that `npm test` is reproducible.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidCompletionEvent } from '#functions/slice-completion/errors.ts';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import { decide, merge } from '#functions/slice-completion/update-rules.ts';
import { sliceBodyProblem } from '#tools/local/slice-schema.ts';
import { anyJson, completion, mutatedEvent, slice } from '../support/arbitraries.ts';

const statuses = { succeeded: 'SUCCEEDED', failed: 'FAILED' };
const settings = { seed: 20261128, numRuns: 1000 };
const now = new Date('2026-11-28T12:00:00.000Z');

/** The fields a completion writes; every other field of the slice is not ours to change. */
const owned = (succeeded: boolean) => [
  'status',
  'lambdaRequestId',
  'completedAt',
  'durationMs',
  'errorMessage',
  'errorDetails',
  ...(succeeded ? ['outputEvent'] : []),
];

describe('parseCompletionEvent', () => {
  it('turns any JSON value into a completion Kodexa can store, or InvalidCompletionEvent naming fields', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyJson, { weight: 3, arbitrary: mutatedEvent }),
        slice,
        (event, read) => {
          let parsed: ReturnType<typeof parseCompletionEvent>;
          try {
            parsed = parseCompletionEvent(event, now);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidCompletionEvent);
            const { problems } = error as InvalidCompletionEvent;
            expect(problems.length).toBeGreaterThan(0);
            for (const problem of problems) expect(problem).toMatch(/^[^\s:][^:]*: \S/);
            return;
          }
          // each of its fields has the type Kodexa gives the slice field of that name
          expect(sliceBodyProblem(parsed)).toBeUndefined();
          expect(sliceBodyProblem(merge(read, parsed, statuses))).toBeUndefined();
        },
      ),
      { ...settings, numRuns: 2000 },
    );
  });
});

describe('merge', () => {
  it('keeps every field it does not own exactly as read, any key included', () => {
    fc.assert(
      fc.property(slice, completion, (read, c) => {
        const merged = merge(read, c, statuses);
        const mine = owned(c.succeeded);
        for (const key of Object.keys(read).filter((k) => !mine.includes(k))) {
          expect(Object.keys(merged)).toContain(key);
          expect(merged[key]).toBe(read[key]);
        }
        expect(Object.keys(merged).filter((k) => !mine.includes(k))).toEqual(
          Object.keys(read).filter((k) => !mine.includes(k)),
        );
      }),
      settings,
    );
  });

  it('gives a slice Kodexa can store', () => {
    fc.assert(
      fc.property(slice, completion, (read, c) => {
        expect(sliceBodyProblem(merge(read, c, statuses))).toBeUndefined();
      }),
      settings,
    );
  });

  it('gives a slice that the same completion finds unchanged, so a redelivery never writes twice', () => {
    fc.assert(
      fc.property(slice, completion, (read, c) => {
        expect(decide(merge(read, c, statuses), c, statuses)).toBe('unchanged');
      }),
      settings,
    );
  });
});
