// The function's CloudWatch metrics, for `npm start` and `npm run invoke`: Powertools writes each
// Embedded Metric Format document as one line to stdout, which is also where the tools print. The
// capture takes those lines out of the tool's output (shown only with the function's logs on) and
// sums them as CloudWatch would.
import {
  COLD_START_METRIC,
  CONFLICTS_METRIC,
  ERROR_NAME_DIMENSION,
  FAILURE_METRIC,
  HANDED_BACK_METRIC,
  OUTCOME_METRICS,
  RETRIES_METRIC,
} from '../../functions/slice-completion/metric-names.ts';

/** An EMF document: metadata under `_aws`, dimension and metric values as top-level members. */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit?: string }>;
    }>;
  };
  [member: string]: unknown;
}

export interface MetricsCapture {
  documents(): EmfDocument[];
  /** Gives stdout back its own write. */
  stop(): void;
}

export function captureFunctionMetrics(options: { show: boolean }): MetricsCapture {
  const documents: EmfDocument[] = [];
  const stdout = process.stdout;
  const write = stdout.write;
  // Powertools writes one whole document per call, so a call is either metrics or not.
  stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const found = emfDocuments(text);
    if (found) documents.push(...found);
    if (found && !options.show) return true;
    return (write as (...args: unknown[]) => boolean).call(stdout, chunk, ...rest);
  }) as typeof stdout.write;
  return {
    documents: () => documents,
    stop: () => {
      stdout.write = write;
    },
  };
}

/** The documents when every line of `text` is one; otherwise undefined. */
function emfDocuments(text: string): EmfDocument[] | undefined {
  const lines = text.split('\n').filter((line) => line.trim());
  if (lines.length === 0 || !lines.every((line) => line.startsWith('{"_aws":'))) return undefined;
  try {
    const documents = lines.map((line) => JSON.parse(line) as EmfDocument);
    return documents.every((d) => Array.isArray(d._aws?.CloudWatchMetrics)) ? documents : undefined;
  } catch {
    return undefined;
  }
}

/** Every value of every metric the documents define, with the dimensions it was recorded under. */
function metricValues(
  documents: EmfDocument[],
): Array<{ name: string; value: number; dimensions: Record<string, string> }> {
  return documents.flatMap((document) =>
    document._aws.CloudWatchMetrics.flatMap((directive) => {
      const dimensions = Object.fromEntries(
        [...new Set(directive.Dimensions.flat())].map((key) => [key, String(document[key])]),
      );
      return directive.Metrics.flatMap(({ Name }) =>
        [document[Name]].flat().map((value) => ({ name: Name, value: Number(value), dimensions })),
      );
    }),
  );
}

/**
 * What each completion the documents report came to: an outcome (`updated`, `unchanged`, `stale`)
 * or the name of the error it failed with, once for each, in sorted order.
 */
export function completionOutcomes(documents: EmfDocument[]): string[] {
  const outcomes = Object.entries(OUTCOME_METRICS);
  return metricValues(documents)
    .flatMap(({ name, value, dimensions }) => {
      const outcome = outcomes.find(([, metric]) => metric === name)?.[0];
      const label = name === FAILURE_METRIC ? (dimensions[ERROR_NAME_DIMENSION] ?? '?') : outcome;
      return label ? Array.from({ length: value }, () => label) : [];
    })
    .sort();
}

/**
 * e.g. `metrics: 4 updated, 1 unchanged, 1 stale, 2 failed (InvalidCompletionEvent, KodexaUnavailable), 1 handed back; 0 retries, 0 conflicts, 1 cold start`
 * (handed back: of the failures, those of a batch from the buffer left to be received again).
 */
export function metricsSummary(documents: EmfDocument[]): string {
  const values = metricValues(documents);
  const sum = (name: string) =>
    values.filter((v) => v.name === name).reduce((total, v) => total + v.value, 0);
  const failures = new Map<string, number>();
  for (const { name, value, dimensions } of values) {
    if (name !== FAILURE_METRIC) continue;
    const errorName = dimensions[ERROR_NAME_DIMENSION] ?? '?';
    failures.set(errorName, (failures.get(errorName) ?? 0) + value);
  }
  const byError = [...failures]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([errorName, count]) => (count === 1 ? errorName : `${count} ${errorName}`))
    .join(', ');
  const handedBack = sum(HANDED_BACK_METRIC);
  return (
    `metrics: ${sum(OUTCOME_METRICS.updated)} updated, ${sum(OUTCOME_METRICS.unchanged)} unchanged, ` +
    `${sum(OUTCOME_METRICS.stale)} stale, ${sum(FAILURE_METRIC)} failed${byError ? ` (${byError})` : ''}` +
    `${handedBack ? `, ${handedBack} handed back` : ''}; ` +
    `${sum(RETRIES_METRIC)} retries, ${sum(CONFLICTS_METRIC)} conflicts, ` +
    `${sum(COLD_START_METRIC)} cold start`
  );
}
