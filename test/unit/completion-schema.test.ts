import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidCompletionEvent } from '#functions/slice-completion/errors.ts';
import { HEALTH_CHECK_EVENT } from '#functions/slice-completion/health-check.ts';
import { parseCompletionEvent } from '#functions/slice-completion/parse-event.ts';
import {
  completionEventSchema,
  executionSliceCompletedSchema,
  SCHEMA_FILES,
} from '#tools/completion-schema.ts';
import { sampleEvents } from '#tools/local/sample-events.ts';
import { root } from '../../infra/paths.ts';
import { thrownBy } from '../support/thrown-by.ts';

type Json = Record<string, unknown>;

const committed = (file: string): Json => JSON.parse(readFileSync(`${root}${file}`, 'utf8'));
const completionSchema = committed(SCHEMA_FILES.completionEvent);
const draft4Schema = committed(SCHEMA_FILES.executionSliceCompleted);

const AWS_KEYWORDS = ['x-amazon-events-detail-type', 'x-amazon-events-source'];

// Compiling checks each file against its draft's meta-schema; strict mode (the default) also
// fails on unknown keywords, though ajv-draft-04 knows later drafts' `const` and `if` too.
const ajv2020 = new Ajv2020.default({ allErrors: true });
addFormats.default(ajv2020);
const validateCompletion = ajv2020.compile(completionSchema);

const ajvDraft04 = new AjvDraft04.default({ allErrors: true });
addFormats.default(ajvDraft04);
ajvDraft04.addVocabulary(AWS_KEYWORDS);
const validateDraft4 = ajvDraft04.compile(draft4Schema);

/** The keys by which parseCompletionEvent tells the other two shapes from a completion event. */
const SHAPE_KEYS = ['detail-type', 'detail', 'requestContext'];

function accepts(event: unknown): boolean {
  try {
    parseCompletionEvent(event);
    return true;
  } catch (error) {
    if (error instanceof InvalidCompletionEvent) return false;
    throw error;
  }
}

const validDetail = { sliceId: '3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21', lambdaRequestId: 'r' };

function envelope(detail: unknown): Json {
  return {
    version: '0',
    id: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
    'detail-type': 'Execution Slice Completed',
    source: 'kodexa.pipeline',
    account: '123456789012',
    time: '2026-11-28T10:00:07Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

/** The keywords `schema` and its subschemas use, whatever the draft. */
function keywordsOf(schema: unknown): string[] {
  if (Array.isArray(schema)) return schema.flatMap(keywordsOf);
  if (typeof schema !== 'object' || schema === null) return [];
  return Object.entries(schema).flatMap(([keyword, value]) => {
    if (['properties', 'definitions', 'patternProperties'].includes(keyword)) {
      return [keyword, ...Object.values(value as Json).flatMap(keywordsOf)];
    }
    if (['enum', 'required', 'type'].includes(keyword)) return [keyword];
    return [keyword, ...keywordsOf(value)];
  });
}

/** Every property schema in `schema`, by its path, following `$ref`s into `definitions`. */
function properties(schema: Json, prefix = ''): [string, Json][] {
  const defs = (draft4Schema.definitions ?? {}) as Record<string, Json>;
  return Object.entries((schema.properties ?? {}) as Record<string, Json>).flatMap(
    ([name, property]) => {
      const ref = typeof property.$ref === 'string' ? property.$ref : undefined;
      const target = ref ? (defs[ref.replace('#/definitions/', '')] as Json) : property;
      return [[`${prefix}${name}`, target], ...properties(target, `${prefix}${name}.`)];
    },
  );
}

describe('the committed JSON Schema files', () => {
  it('are what the zod schemas generate (npm run schema writes them)', () => {
    expect(completionSchema).toEqual(completionEventSchema());
    expect(draft4Schema).toEqual(executionSliceCompletedSchema());
  });

  it('leave out the health check, which is not a completion (functions/slice-completion/health-check.ts)', () => {
    expect(validateCompletion(HEALTH_CHECK_EVENT)).toBe(false);
    expect(validateDraft4(envelope(HEALTH_CHECK_EVENT))).toBe(false);
    expect(JSON.stringify([completionSchema, draft4Schema])).not.toContain('healthCheck');
  });

  it('give every field a title and a description', () => {
    for (const schema of [completionSchema, draft4Schema]) {
      const fields = properties(schema);
      expect(fields.map(([path]) => path)).toContain(
        schema === completionSchema ? 'error.message' : 'detail.error.message',
      );
      for (const [path, property] of fields) {
        expect(property.title, path).toMatch(/\S/);
        expect(property.description, path).toMatch(/\S/);
      }
    }
  });

  it('state the integer bounds and the SUCCEEDED-with-error rule', () => {
    const fields = completionSchema.properties as Record<string, Json>;
    for (const name of ['durationMs', 'attemptNumber']) {
      expect(fields[name]).toMatchObject({ type: 'integer', minimum: 0 });
      expect(fields[name]?.maximum).toEqual(expect.any(Number));
    }
    const event = validDetail;
    const error = { message: 'no' };
    expect(validateCompletion({ ...event, status: 'SUCCEEDED', error })).toBe(false);
    expect(validateCompletion({ ...event, status: 'FAILED', error })).toBe(true);
    expect(validateCompletion({ ...event, error })).toBe(true);
    expect(validateDraft4(envelope({ ...event, status: 'SUCCEEDED', error }))).toBe(false);
    expect(validateDraft4(envelope({ ...event, error }))).toBe(true);
  });

  it('describe the whole EventBridge event in draft 4, the detail by reference', () => {
    expect(draft4Schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-04/schema#',
      'x-amazon-events-detail-type': 'Execution Slice Completed',
      properties: {
        'detail-type': { enum: ['Execution Slice Completed'] },
        detail: { $ref: '#/definitions/ExecutionSliceCompleted' },
      },
    });
    const { time, ...withoutTime } = envelope(validDetail);
    expect(validateDraft4({ ...withoutTime, time })).toBe(true);
    expect(validateDraft4(withoutTime)).toBe(false);
  });

  it('use in the draft-4 file only keywords draft 4 defines', () => {
    const metaSchema = ajvDraft04.getSchema('http://json-schema.org/draft-04/schema')?.schema;
    const draft4 = [
      ...Object.keys((metaSchema as { properties: Json }).properties),
      // Defined by draft 4, though its meta-schema does not list them.
      '$ref',
      'format',
    ];
    const used = new Set(keywordsOf(draft4Schema));
    expect([...used].filter((keyword) => ![...draft4, ...AWS_KEYWORDS].includes(keyword))).toEqual(
      [],
    );
    // Not vacuous: the walk reaches keywords nested under not and properties.
    expect(keywordsOf({ not: { properties: { status: { const: 'SUCCEEDED' } } } })).toContain(
      'const',
    );
  });
});

describe('the sample events', () => {
  const samples = sampleEvents().map(({ file, expected, event }) => ({
    file,
    expected,
    event: event as Json,
  }));
  const completions = samples.filter(({ event }) => !SHAPE_KEYS.some((key) => key in event));
  const published = samples.filter(
    ({ event }) => event['detail-type'] === 'Execution Slice Completed',
  );

  it('include completion events and Execution Slice Completed events', () => {
    expect(completions.length).toBeGreaterThanOrEqual(3);
    expect(published.length).toBeGreaterThanOrEqual(1);
  });

  it('validate against the schema when the function accepts them', () => {
    const accepted = completions.filter(({ expected }) => !expected.startsWith('Invalid'));
    for (const { file, event } of accepted) {
      expect(accepts(event), file).toBe(true);
      expect(
        validateCompletion(event),
        `${file}: ${ajv2020.errorsText(validateCompletion.errors)}`,
      ).toBe(true);
    }
    for (const { file, event } of published) {
      expect(accepts(event), file).toBe(true);
      expect(validateCompletion(event.detail), file).toBe(true);
      expect(
        validateDraft4(event),
        `${file}: ${ajvDraft04.errorsText(validateDraft4.errors)}`,
      ).toBe(true);
    }
  });

  it('fail validation on each field the function rejects in the invalid sample', () => {
    const invalid = completions.find(({ expected }) => expected === 'InvalidCompletionEvent');
    const rejected = thrownBy(() => parseCompletionEvent(invalid?.event)) as InvalidCompletionEvent;
    const fields = rejected.problems.map((problem) => problem.split(':')[0]);
    expect(fields.length).toBeGreaterThanOrEqual(3);

    expect(validateCompletion(invalid?.event)).toBe(false);
    const paths = validateCompletion.errors?.map(
      (e) => e.instancePath.slice(1) || String(e.params.missingProperty),
    );
    expect(new Set(paths)).toEqual(new Set(fields));
  });
});

describe('the schema and the parser', () => {
  // Each field absent (undefined, which JSON drops), well-formed, or malformed in ways a
  // validator and the parser might judge differently: case, time-zone forms, impossible dates,
  // integer bounds, types.
  const malformed = fc.oneof(fc.string(), fc.jsonValue());
  const field = (good: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown>, absent = 3) =>
    fc.oneof(
      { arbitrary: good, weight: 8 },
      { arbitrary: bad, weight: 1 },
      { arbitrary: fc.constant(undefined), weight: absent },
    );
  const uuid = fc.oneof(
    fc.uuid(),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.stringMatching(
      /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    ),
  );
  const badUuid = fc.oneof(
    fc.uuid().map((id) => `urn:uuid:${id}`),
    fc.uuid().map((id) => id.replaceAll('-', '')),
    malformed,
  );
  const dateTime = fc
    .date({
      min: new Date('0000-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString());
  const nearDateTime = fc.oneof(
    fc.stringMatching(
      /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-6]\d:[0-6]\d(\.\d{1,4})?(Z|z|[+-][0-2]\d:?[0-6]\d)?$/,
    ),
    dateTime.map((iso) => iso.replace('T', ' ')),
    dateTime.map((iso) => iso.toLowerCase()),
    dateTime.map((iso) => iso.replace('Z', '')),
    malformed,
  );
  const count = fc.oneof(
    fc.integer({ min: 0, max: 10 }),
    fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e300),
    fc.nat(),
  );
  const badCount = fc.oneof(
    fc.integer({ min: -5, max: -1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constant(-(2 ** 31)),
    malformed,
  );
  const schemaFields = Object.keys(completionSchema.properties as Json);
  const completionShaped = fc
    .record({
      sliceId: field(uuid, badUuid, 1),
      lambdaRequestId: field(fc.string({ minLength: 1 }), fc.oneof(fc.constant(''), malformed), 1),
      outputEvent: field(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), malformed),
      durationMs: field(count, badCount),
      status: field(
        fc.constantFrom('SUCCEEDED', 'FAILED'),
        fc.oneof(fc.constantFrom('succeeded', 'RUNNING'), malformed),
      ),
      error: field(
        fc.record({
          message: field(fc.string({ minLength: 1 }), malformed, 1),
          type: field(fc.string(), malformed),
          details: field(fc.jsonValue(), fc.constant(undefined)),
        }),
        malformed,
        6,
      ),
      completedAt: field(dateTime, nearDateTime),
      attemptNumber: field(count, badCount),
      // Unknown fields are ignored, except the keys that make the event another shape: those
      // the schema cannot forbid (see docs/events.md, "What the schema does not say").
      unknown: fc.dictionary(
        fc.string().filter((key) => ![...schemaFields, ...SHAPE_KEYS].includes(key)),
        fc.jsonValue(),
        { maxKeys: 2 },
      ),
    })
    // Through JSON, as events arrive: drops undefined, turns -0 into 0, and makes a
    // `__proto__` key a plain property.
    .map(({ unknown, ...fields }) => JSON.parse(JSON.stringify({ ...unknown, ...fields })) as Json);

  it('agree on generated completion events, direct and as an EventBridge detail', () => {
    const seen = { accepted: 0, rejected: 0, succeededWithError: 0 };
    fc.assert(
      fc.property(completionShaped, (event) => {
        const verdict = accepts(event);
        expect(validateCompletion(event)).toBe(verdict);
        expect(accepts(envelope(event))).toBe(verdict);
        expect(validateDraft4(envelope(event))).toBe(verdict);
        seen[verdict ? 'accepted' : 'rejected']++;
        if (event.status === 'SUCCEEDED' && 'error' in event) seen.succeededWithError++;
      }),
      { seed: 20261128, numRuns: 400 },
    );
    // Enough of each verdict for the agreement to mean something.
    expect(seen.accepted).toBeGreaterThan(40);
    expect(seen.rejected).toBeGreaterThan(40);
    expect(seen.succeededWithError).toBeGreaterThan(5);
  });
});
