// The CloudWatch Embedded Metric Format specification's document structure, as a JSON Schema for
// ajv plus the rule a schema cannot state (every dimension and metric a directive names is a
// top-level member of the right type), so tests judge the function's metric lines as CloudWatch
// Logs would, not as Powertools meant them.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
import { Ajv } from 'ajv';

const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
];

const emfSchema = {
  type: 'object',
  required: ['_aws'],
  properties: {
    _aws: {
      type: 'object',
      required: ['Timestamp', 'CloudWatchMetrics'],
      additionalProperties: false,
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        CloudWatchMetrics: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['Namespace', 'Dimensions', 'Metrics'],
            additionalProperties: false,
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 255 },
              Dimensions: {
                type: 'array',
                items: {
                  type: 'array',
                  maxItems: 30,
                  items: { type: 'string', minLength: 1, maxLength: 250 },
                },
              },
              Metrics: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['Name'],
                  additionalProperties: false,
                  properties: {
                    Name: { type: 'string', minLength: 1, maxLength: 1024 },
                    Unit: { enum: UNITS },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(emfSchema);

export interface EmfMetric {
  namespace: string;
  /** The directive's dimension sets, as written. */
  dimensionSets: string[][];
  /** Each dimension's value, from the document's top level. */
  dimensions: Record<string, string>;
  unit: string | undefined;
  value: number | number[];
}

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit?: string }>;
}

/** Every metric a document defines; throws, naming the problem, if it breaks the specification. */
export function emfMetrics(document: Record<string, unknown>): Map<string, EmfMetric> {
  if (!validate(document)) {
    throw new Error(`not an EMF document: ${JSON.stringify(validate.errors)}`);
  }
  const metrics = new Map<string, EmfMetric>();
  const { CloudWatchMetrics } = document._aws as { CloudWatchMetrics: Directive[] };
  for (const directive of CloudWatchMetrics) {
    const dimensions: Record<string, string> = {};
    for (const key of directive.Dimensions.flat()) {
      const value = document[key];
      if (typeof value !== 'string' || value.length === 0 || value.length > 1024) {
        throw new Error(`dimension ${key} has no string value at the top level`);
      }
      dimensions[key] = value;
    }
    for (const { Name, Unit } of directive.Metrics) {
      const value = document[Name];
      const values = [value].flat();
      if (values.length === 0 || values.length > 100 || !values.every(Number.isFinite)) {
        throw new Error(`metric ${Name} has no number or array of numbers at the top level`);
      }
      metrics.set(Name, {
        namespace: directive.Namespace,
        dimensionSets: directive.Dimensions,
        dimensions,
        unit: Unit,
        value: value as number | number[],
      });
    }
  }
  return metrics;
}
