// The completion event as JSON Schema, generated from the zod schemas the function parses with, so
// the published contract says what the function accepts. Kept out of the Lambda bundle: zod's
// JSON Schema generator and these descriptions would cost it ~22 KB it has no use for.
import * as z from 'zod/mini';
import { COMPLETION_DETAIL_TYPE } from '../functions/slice-completion/detail-types.ts';
import { completionEvent, eventBridgeEnvelope } from '../functions/slice-completion/parse-event.ts';

type JsonSchema = Record<string, unknown>;

/** The committed files, relative to the repository root; `npm run schema` writes them. */
export const SCHEMA_FILES = {
  completionEvent: 'schema/completion-event.schema.json',
  executionSliceCompleted: 'schema/execution-slice-completed.draft4.schema.json',
} as const;

const DEFAULT_SOURCE = 'kodexa.pipeline';
/** Also the class name the registry's code bindings give the detail. */
const DETAIL_NAME = 'ExecutionSliceCompleted';

interface Doc {
  title: string;
  description: string;
}

// The zod schemas carry no descriptions: in the bundle they would cost bytes the function never
// reads. So they live here, one per field path; `describe` fails on a field without one.
const COMPLETION_EVENT: Doc = {
  title: DETAIL_NAME,
  description:
    'What a pipeline Lambda reports when it has finished an orchestrator execution slice: the ' +
    `detail of an "${COMPLETION_DETAIL_TYPE}" EventBridge event, or the payload of an asynchronous invoke ` +
    'of the slice-completion function. Unknown fields are ignored. status SUCCEEDED together ' +
    'with an error is rejected as contradictory.',
};

const COMPLETION_FIELDS: Record<string, Doc> = {
  sliceId: {
    title: 'Slice ID',
    description: 'ID (a UUID) of the orchestrator execution slice this completion is for.',
  },
  lambdaRequestId: {
    title: 'Lambda request ID',
    description:
      "AWS request ID of the pipeline Lambda invocation that ran the slice (Node's " +
      "context.awsRequestId, Python's context.aws_request_id). Recorded on the slice; a " +
      'completion the slice already records with this ID and status changes nothing.',
  },
  outputEvent: {
    title: 'Output event',
    description:
      'What the pipeline produced, any JSON object. Written to the slice on success ' +
      '(default {}); on failure the slice keeps the outputEvent it had.',
  },
  durationMs: {
    title: 'Duration (ms)',
    description:
      'How long the work took, in whole milliseconds (Kodexa stores a Java int32). When absent: ' +
      "completedAt minus the slice's startedAt, when the slice has one and the result is from 0 " +
      'to 2147483647; else null.',
  },
  status: {
    title: 'Status',
    description:
      'SUCCEEDED or FAILED. Default: FAILED when error is present, else SUCCEEDED. ' +
      'SUCCEEDED together with error is rejected.',
  },
  error: {
    title: 'CompletionError',
    description:
      'Why the work failed; its presence makes the completion a failure. Written to the ' +
      'slice as errorMessage and errorDetails {errorType, details}.',
  },
  'error.message': {
    title: 'Error message',
    description: 'What went wrong, for an operator; written as the slice errorMessage.',
  },
  'error.type': {
    title: 'Error type',
    description: 'Kind of error, e.g. the exception class; written as errorDetails.errorType.',
  },
  'error.details': {
    title: 'Error details',
    description: 'Any JSON value; written as errorDetails.details.',
  },
  completedAt: {
    title: 'Completed at',
    description:
      'When the work finished: an ISO-8601 date-time with a time zone (Z or +hh:mm). ' +
      "Default: the EventBridge event's time, else when the function received the event.",
  },
  attemptNumber: {
    title: 'Attempt number',
    description:
      'Which attempt at the slice this was (an integer from 0). A completion of an earlier ' +
      'attempt than the one the slice records is ignored as stale.',
  },
};

const ENVELOPE: Doc = {
  title: DETAIL_NAME,
  description:
    `An "${COMPLETION_DETAIL_TYPE}" event as EventBridge delivers it to the slice-completion function; ` +
    'detail is the completion event.',
};

const ENVELOPE_FIELDS: Record<string, Doc> = {
  version: { title: 'Version', description: 'EventBridge envelope version, "0".' },
  id: { title: 'Event ID', description: 'ID EventBridge gives the event.' },
  'detail-type': { title: 'Detail type', description: `Always "${COMPLETION_DETAIL_TYPE}".` },
  source: {
    title: 'Source',
    description: `The Source given to PutEvents: "${DEFAULT_SOURCE}", or one of the stack's completionEventSources.`,
  },
  account: { title: 'Account', description: 'AWS account ID of the bus.' },
  time: {
    title: 'Time',
    description:
      'When the event was put, ISO-8601 with a time zone; the default for detail.completedAt.',
  },
  region: { title: 'Region', description: 'AWS Region of the bus.' },
  resources: { title: 'Resources', description: 'ARNs the sender listed; not used.' },
};

/**
 * parseCompletionEvent rejects this after the zod schema has passed, so it is added here: as
 * `not` and `enum` rather than if/then and const, which draft 4 lacks, so both files say it alike.
 */
const SUCCEEDED_WITH_ERROR = {
  description: 'Rejected: status SUCCEEDED together with an error.',
  properties: { status: { enum: ['SUCCEEDED'] } },
  required: ['status', 'error'],
};

/** The completion event alone, JSON Schema draft 2020-12: for validating before sending. */
export function completionEventSchema(): JsonSchema {
  const { $schema, ...schema } = z.toJSONSchema(completionEvent, {
    target: 'draft-2020-12',
    io: 'input',
  });
  return {
    $schema,
    ...COMPLETION_EVENT,
    ...describe(schema, COMPLETION_FIELDS),
    not: SUCCEEDED_WITH_ERROR,
  };
}

/**
 * The whole `Execution Slice Completed` EventBridge event, JSON Schema draft 4, laid out as the
 * EventBridge schema registry exports its own schemas (the detail under `definitions`, the event
 * name in `x-amazon-events-*`), so that it makes the same code bindings.
 */
export function executionSliceCompletedSchema(): JsonSchema {
  const event = z.object({
    version: z.string(),
    id: z.string(),
    'detail-type': z.literal(COMPLETION_DETAIL_TYPE),
    source: z.string(),
    account: z.string(),
    // The function's own rule for `time`, required: EventBridge always sets it.
    time: eventBridgeEnvelope.shape.time.def.innerType,
    region: z.string(),
    resources: z.array(z.string()),
    detail: completionEvent,
  });
  const { $schema, ...schema } = z.toJSONSchema(event, { target: 'draft-04', io: 'input' });
  const { detail, ...envelope } = schema.properties as Record<string, JsonSchema>;
  schema.properties = { ...envelope, detail: { $ref: `#/definitions/${DETAIL_NAME}` } };
  return {
    $schema,
    ...ENVELOPE,
    'x-amazon-events-detail-type': COMPLETION_DETAIL_TYPE,
    'x-amazon-events-source': DEFAULT_SOURCE,
    ...describe(schema, ENVELOPE_FIELDS),
    definitions: {
      [DETAIL_NAME]: {
        ...COMPLETION_EVENT,
        ...describe(detail as JsonSchema, COMPLETION_FIELDS),
        not: SUCCEEDED_WITH_ERROR,
      },
    },
  };
}

/**
 * A copy of `schema` with the title and description of each property, looked up by its path
 * (`error.message`); throws on a property without one or a description of no property, so a
 * field added to the zod schemas cannot go out undocumented.
 */
function describe(schema: JsonSchema, docs: Record<string, Doc>): JsonSchema {
  const unused = new Set(Object.keys(docs));
  const walk = (node: JsonSchema, prefix: string): JsonSchema => {
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    if (!properties || Object.keys(properties).length === 0) return node;
    const described = Object.entries(properties).map(([name, property]) => {
      const path = `${prefix}${name}`;
      if (property.$ref) return [name, property];
      const doc = docs[path];
      if (!doc) throw new Error(`no title and description for the field ${path}`);
      unused.delete(path);
      return [name, { ...doc, ...walk(property, `${path}.`) }];
    });
    return { ...node, properties: Object.fromEntries(described) };
  };
  // A deep copy first: zod may hand out one object for a schema it met twice.
  const result = walk(structuredClone(schema), '');
  if (unused.size > 0) throw new Error(`descriptions of no field: ${[...unused].join(', ')}`);
  return result;
}
