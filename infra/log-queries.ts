// Saved CloudWatch Logs Insights queries over the function's log group, in a folder named for the
// stack (CloudWatch shows the part of a query's name before "/" as a folder). They read the one
// JSON log line the function writes per completion (Powertools Logger); the fields they name are
// listed here once, and test/integration/log-queries.test.ts finds each in the bundle's real lines.
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The log line's fields the queries read. */
export const LOG_FIELDS = {
  message: 'message',
  sliceId: 'sliceId',
  lambdaRequestId: 'lambdaRequestId',
  outcome: 'outcome',
  errorName: 'error.name',
  errorMessage: 'error.message',
  retries: 'retries',
  conflicts: 'conflicts',
  /** The EventBridge event id, when there was an envelope. */
  correlationId: 'correlation_id',
  /** The pipeline that sent the completion. */
  sentBy: 'sentBy',
  /** Lambda's request id of the invocation, as Powertools adds it. */
  requestId: 'function_request_id',
} as const;

/** The messages of a completion's log line, as the function writes them. */
export const LOG_MESSAGES = {
  reported: 'slice completion reported',
  failed: 'slice completion failed',
} as const;

/** What the first query shows until the operator puts a slice's id in its place. */
const SLICE_ID_PLACEHOLDER = 'PUT-THE-SLICE-ID-HERE';

const f = LOG_FIELDS;
const completionLines = `${f.message} in ["${LOG_MESSAGES.reported}", "${LOG_MESSAGES.failed}"]`;

const LOG_QUERIES: Record<string, { name: string; query: logs.QueryStringProps }> = {
  SliceHistoryQuery: {
    name: 'slice history',
    query: {
      fields: [
        '@timestamp',
        f.outcome,
        f.errorName,
        f.errorMessage,
        f.lambdaRequestId,
        f.retries,
        f.conflicts,
        f.sentBy,
        f.correlationId,
        f.requestId,
      ],
      filterStatements: [`${f.sliceId} = "${SLICE_ID_PLACEHOLDER}"`],
      sort: '@timestamp asc',
    },
  },
  FailuresByErrorQuery: {
    name: 'failures by error',
    query: {
      filterStatements: [`${f.message} = "${LOG_MESSAGES.failed}"`],
      statsStatements: [`count(*) as failures by bin(5m), ${f.errorName}`],
    },
  },
  MostRetriesQuery: {
    name: 'completions with the most Kodexa retries',
    query: {
      fields: [
        '@timestamp',
        f.sliceId,
        f.retries,
        f.conflicts,
        f.outcome,
        f.errorName,
        f.sentBy,
        f.requestId,
      ],
      filterStatements: [completionLines, `${f.retries} > 0 or ${f.conflicts} > 0`],
      sort: `${f.retries} desc`,
      limit: 100,
    },
  },
};

export function logQueries(
  scope: Construct,
  props: { folder: string; logGroup: logs.ILogGroup },
): logs.QueryDefinition[] {
  return Object.entries(LOG_QUERIES).map(
    ([id, { name, query }]) =>
      new logs.QueryDefinition(scope, id, {
        queryDefinitionName: `${props.folder}/${name}`,
        queryString: new logs.QueryString(query),
        logGroups: [props.logGroup],
      }),
  );
}
