// fast-check arbitraries for the property tests: JSON as the Lambda runtime and Kodexa hand it over
// (any key, `__proto__` included, as an own key), slices Kodexa holds, completions, mutated events.
import fc from 'fast-check';
import type { Completion } from '#functions/slice-completion/parse-event.ts';
import { sampleEvents } from '#tools/local/sample-events.ts';
import { sampleSlices } from '#tools/local/sample-slices.ts';
import { type FieldType, INT32_MAX, INT32_MIN, SLICE_FIELDS } from '#tools/local/slice-schema.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Keys that have tripped JavaScript code before, the names the parser reads, and any string. */
export const jsonKey = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'detail',
      'detail-type',
      'time',
      'sliceId',
      'lambdaRequestId',
      'status',
      'outputEvent',
      'durationMs',
      'completedAt',
      'attemptNumber',
      'error',
      'message',
      'details',
      'timestamp',
      'requestContext',
      'requestId',
      'condition',
      'approximateInvokeCount',
      'requestPayload',
      'responseContext',
      'functionError',
      'responsePayload',
    ),
  },
  { weight: 1, arbitrary: fc.string() },
);

export const jsonObject: fc.Arbitrary<Record<string, Json>> = fc.dictionary(
  jsonKey,
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  { maxKeys: 6 },
);

export const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), jsonObject);

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** A date-time Java's ISO_OFFSET_DATE_TIME takes: 0 to 9 fraction digits, offsets within +-18:00. */
export const dateTime = fc
  .tuple(
    fc.date({
      min: new Date('0000-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fc.integer({ min: 0, max: 9 }),
    fc.integer({ min: 0, max: 999_999_999 }),
    fc.integer({ min: -18 * 60, max: 18 * 60 }),
  )
  .map(([date, digits, nanos, offset]) => {
    const fraction = digits === 0 ? '' : `.${pad(nanos, 9).slice(0, digits)}`;
    const zone =
      offset === 0
        ? 'Z'
        : `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
    return `${date.toISOString().slice(0, 19)}${fraction}${zone}`;
  });

export const int32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });
const count = fc.integer({ min: 0, max: INT32_MAX });

const fieldValue: Record<FieldType, fc.Arbitrary<unknown>> = {
  int32,
  'date-time': dateTime,
  object: jsonObject,
  string: fc.string(),
};

/** A slice as Kodexa may hold it: its typed fields valid, null or absent, and any other fields. */
export const slice: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      Object.fromEntries(
        Object.entries(SLICE_FIELDS).map(([field, type]) => [
          field,
          fc.option(fieldValue[type], { nil: null }),
        ]),
      ),
      { requiredKeys: ['id', 'changeSequence'] },
    ),
    fc.dictionary(
      jsonKey.filter((key) => !Object.hasOwn(SLICE_FIELDS, key)),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    ),
  )
  .map(([typed, others]) => ({ ...others, ...typed }));

/** A completion as parseCompletionEvent may return one. */
export const completion: fc.Arbitrary<Completion> = fc.record(
  {
    sliceId: fc.uuid(),
    lambdaRequestId: fc.string({ minLength: 1 }),
    succeeded: fc.boolean(),
    completedAt: dateTime,
    outputEvent: jsonObject,
    durationMs: count,
    errorMessage: fc.string({ minLength: 1 }),
    errorDetails: jsonObject,
    attemptNumber: count,
  },
  { requiredKeys: ['sliceId', 'lambdaRequestId', 'succeeded', 'completedAt'] },
);

/** Values on an edge of what the parser or Kodexa takes, for a field of each kind. */
const edges = {
  integer: fc.constantFrom<Json>(INT32_MAX, INT32_MAX + 1, 5e9, -1, 0, -0, 1.5, '12'),
  dateTime: fc.constantFrom<Json>(
    '2026-11-28T10:00:00Z',
    '2026-11-28T10:00:00.123456789+18:00',
    '2026-11-28T10:00:00.1234567890Z',
    '2026-11-28T10:00:00+18:30',
    '2026-11-28T10:00Z',
    '2026-02-29T10:00:00Z',
    '0000-01-01T00:00:00-18:00',
    '9999-12-31T23:59:59.999999999+18:00',
    '1970-01-01T00:00:00Z',
  ),
  other: fc.constantFrom<Json>(
    '',
    null,
    true,
    {},
    [],
    'Success',
    'RetriesExhausted',
    'Unhandled',
    'SUCCEEDED',
    'FAILED',
    'Lambda Function Invocation Result - Success',
    'Lambda Function Invocation Result – Failure',
    'Execution Slice Completed',
  ),
  // another slice, or one Kodexa does not have
  id: fc.oneof(fc.constantFrom<Json>(...sampleSlices().map((s) => s.id)), fc.uuid()),
};
const INTEGER_FIELDS = ['durationMs', 'attemptNumber', 'approximateInvokeCount'];
const DATE_TIME_FIELDS = ['completedAt', 'timestamp', 'time'];
const ID_FIELDS = ['sliceId', 'lambdaRequestId', 'requestId'];

interface Mutation {
  action: 'set' | 'delete' | 'add';
  at: number;
  key: string;
  edge: boolean;
  values: Record<keyof typeof edges | 'any', Json>;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  action: fc.constantFrom<Mutation['action']>('set', 'set', 'delete', 'add'),
  at: fc.nat(),
  key: jsonKey,
  edge: fc.boolean(),
  values: fc.record({
    integer: edges.integer,
    dateTime: edges.dateTime,
    other: edges.other,
    id: edges.id,
    any: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  }),
});

type Container = Json[] | { [key: string]: Json };

/** Every object and array in a JSON value, the value itself first. */
function containers(value: Json): Container[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(containers)];
}

function mutate(event: Json, mutations: Mutation[]): Json {
  // A JSON round trip, so that a `__proto__` key stays an own key as in anything parsed from JSON.
  const copy = JSON.parse(JSON.stringify(event)) as Json;
  for (const { action, at, key, edge, values } of mutations) {
    const all = containers(copy);
    // set and delete pick one of all the fields, add picks an object or array to add to
    const entries = all.flatMap((c) => Object.keys(c).map((k) => [c, k] as const));
    const [target, name] =
      action === 'add' || entries.length === 0
        ? [all[at % all.length], key]
        : (entries[at % entries.length] as readonly [Container, string]);
    if (target === undefined) continue;
    const kind = INTEGER_FIELDS.includes(name)
      ? 'integer'
      : DATE_TIME_FIELDS.includes(name)
        ? 'dateTime'
        : ID_FIELDS.includes(name)
          ? 'id'
          : 'other';
    const value = edge ? values[kind] : values.any;
    if (Array.isArray(target)) {
      if (action === 'add') target.push(value);
      else if (action === 'delete') target.splice(Number(name), 1);
      else target[Number(name)] = value;
    } else if (action === 'delete') {
      delete target[name];
    } else {
      // defineProperty, so that a `__proto__` key becomes an own key, as JSON.parse makes it
      Object.defineProperty(target, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return copy;
}

/** A sample event from events/ (every shape) with one to three fields changed, removed or added. */
export const mutatedEvent: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(...sampleEvents().map((sample) => sample.event as Json)),
    fc.array(mutation, { minLength: 1, maxLength: 3 }),
  )
  .map(([event, mutations]) => mutate(event, mutations));
