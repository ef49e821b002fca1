// Reads the CDK context (`-c key=value` or cdk.json) that configures the stack, and reports every
// problem at once, each naming its key, so one failed synth says all that is wrong.
import type { Node } from 'constructs';
import { DEFAULT_MAX_CONCURRENCY } from './slice-completion.ts';

/** Wrong `-c` values: the CLI shows its message alone, as there is nothing in the stack to read. */
export class InvalidContext extends Error {
  override readonly name = 'InvalidContext';
}

export interface SliceCompletionContext {
  /** Names a second, independent copy in the same account and region; none is today's stack. */
  readonly stage?: string;
  readonly kodexaUrl: string;
  readonly apiKeySecret: { readonly name: string } | { readonly arn: string };
  readonly eventBusName?: string;
  readonly completionEventSources?: string[];
  readonly pipelineFunctionArns?: string[];
  readonly alarmTopicArn?: string;
  readonly alarmEmail?: string;
  readonly reservedConcurrency?: number;
  readonly maxConcurrency?: number;
  readonly batchSize?: number;
  readonly maxBatchingWindowSeconds?: number;
  readonly schemaRegistryName?: string;
  readonly completionLagAlarmMs?: number;
  readonly memorySize?: number;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/;
const REGISTRY_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const EVENT_BUS_NAME = /^[A-Za-z0-9._/-]{1,256}$/;
/** Short enough for every name it goes into (a schema registry name has at most 64 characters). */
const STAGE = /^[A-Za-z][A-Za-z0-9-]{0,19}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Lambda's range of memory sizes, in MB. */
const MEMORY_SIZE = { min: 128, max: 10_240 };
/**
 * The ports the Fetch standard blocks ("bad port"): Node's fetch refuses them before connecting,
 * so a kodexaUrl on one would fail every invocation.
 */
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);
/** The schema registry the stack creates unless told otherwise; `none` creates none. */
const DEFAULT_SCHEMA_REGISTRY_NAME = 'kodexa-pipeline';

export function readContext(node: Node): SliceCompletionContext {
  const problems: string[] = [];
  // `-c` values are strings, cdk.json ones may be numbers or arrays: String() gives both forms
  // as `-c` would have (arrays comma-joined).
  const text = (key: string): string | undefined => {
    const value = node.tryGetContext(key);
    return value === undefined || value === null ? undefined : String(value).trim() || undefined;
  };
  const list = (key: string): string[] | undefined => {
    const values = text(key)
      ?.split(',')
      .map((value) => value.trim())
      .filter(Boolean);
    return values?.length ? values : undefined;
  };
  /** An integer from min to max; undefined when not given, or wrong (and then a problem). */
  const integer = (key: string, min: number, max: number, unit = ''): number | undefined => {
    const given = text(key);
    const value = Number(given);
    if (given === undefined || (Number.isSafeInteger(value) && value >= min && value <= max)) {
      return given === undefined ? undefined : value;
    }
    problems.push(`${key} must be an integer from ${min} to ${max}${unit}, got "${given}"`);
    return undefined;
  };

  const stage = text('stage');
  if (stage !== undefined && !STAGE.test(stage)) {
    problems.push(
      `stage must be a letter followed by up to 19 letters, digits and -, e.g. -c stage=staging, got "${stage}"`,
    );
  }

  const kodexaUrl = text('kodexaUrl');
  if (!kodexaUrl) {
    problems.push(
      'kodexaUrl is required: the Kodexa platform base URL, e.g. -c kodexaUrl=https://platform.kodexa.ai',
    );
  } else if (!isPlainHttpsUrl(kodexaUrl)) {
    problems.push(
      `kodexaUrl must be an https URL without credentials, query or fragment, got "${kodexaUrl}"`,
    );
  } else if (/\/api\/*$/i.test(new URL(kodexaUrl).pathname)) {
    problems.push(
      `kodexaUrl must be the platform's base URL without /api, as the function adds /api/... to every request: drop /api, got "${kodexaUrl}"`,
    );
  } else if (FETCH_BAD_PORTS.has(Number(new URL(kodexaUrl).port))) {
    problems.push(
      `kodexaUrl has port ${new URL(kodexaUrl).port}, which fetch refuses to connect to (a Fetch standard "bad port"), got "${kodexaUrl}"`,
    );
  }

  const secretName = text('apiKeySecretName');
  const secretArn = text('apiKeySecretArn');
  let apiKeySecret: SliceCompletionContext['apiKeySecret'] | undefined;
  if (secretName && secretArn) {
    problems.push('give only one of apiKeySecretName and apiKeySecretArn');
  } else if (secretArn && !SECRET_ARN.test(secretArn)) {
    problems.push(
      'apiKeySecretArn must be the complete ARN of a Secrets Manager secret ' +
        `(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), got "${secretArn}"`,
    );
  } else if (secretArn) {
    apiKeySecret = { arn: secretArn };
  } else if (secretName) {
    apiKeySecret = { name: secretName };
  } else {
    problems.push(
      'apiKeySecretName or apiKeySecretArn is required: the existing Secrets Manager secret ' +
        'holding the Kodexa API key, e.g. -c apiKeySecretName=kodexa/api-key',
    );
  }

  const pipelineFunctionArns = list('pipelineFunctionArns');
  for (const arn of pipelineFunctionArns ?? []) {
    if (!FUNCTION_ARN.test(arn)) {
      problems.push(
        'pipelineFunctionArns must list Lambda function ARNs ' +
          `(arn:aws:lambda:<region>:<account>:function:<name>), got "${arn}"`,
      );
    }
  }

  const alarmTopicArn = text('alarmTopicArn');
  if (alarmTopicArn && !TOPIC_ARN.test(alarmTopicArn)) {
    problems.push(
      `alarmTopicArn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "${alarmTopicArn}"`,
    );
  }

  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.push(`alarmEmail must be an email address, got "${alarmEmail}"`);
  }

  const concurrency = text('reservedConcurrency');
  const reservedConcurrency = concurrency === undefined ? undefined : Number(concurrency);
  const reservedIsValid =
    reservedConcurrency !== undefined &&
    Number.isSafeInteger(reservedConcurrency) &&
    reservedConcurrency >= 1;
  if (reservedConcurrency !== undefined && !reservedIsValid) {
    problems.push(`reservedConcurrency must be an integer >= 1, got "${concurrency}"`);
  }

  // The buffer's event source mapping, within the ranges Lambda accepts. A batch of more than 10
  // would need a batching window, and would put more completions behind one 60 s timeout.
  const maxConcurrency = integer('maxConcurrency', 2, 1000);
  const batchSize = integer('batchSize', 1, 10);
  const maxBatchingWindowSeconds = integer('maxBatchingWindowSeconds', 0, 300, ' (seconds)');
  // Against the default when not given; not at all when given wrong (already a problem).
  const mappingConcurrency =
    text('maxConcurrency') === undefined ? DEFAULT_MAX_CONCURRENCY : maxConcurrency;
  if (
    reservedIsValid &&
    mappingConcurrency !== undefined &&
    reservedConcurrency < mappingConcurrency
  ) {
    problems.push(
      `reservedConcurrency (${concurrency}) must be at least maxConcurrency (${mappingConcurrency}` +
        `${maxConcurrency === undefined ? ', its default' : ''}): the buffer's event source ` +
        'mapping does not count reserved concurrency, and its invokes beyond it are throttled',
    );
  }

  // A name given is taken as it is; the default one is the stage's own.
  const registryName =
    text('schemaRegistryName') ??
    (stage ? `${DEFAULT_SCHEMA_REGISTRY_NAME}-${stage}` : DEFAULT_SCHEMA_REGISTRY_NAME);
  if (registryName !== 'none' && !REGISTRY_NAME.test(registryName)) {
    problems.push(
      'schemaRegistryName must be up to 64 letters, digits and . _ - @, or none to create no ' +
        `schema registry, got "${registryName}"`,
    );
  }

  const eventBusName = text('eventBusName');
  if (eventBusName !== undefined && !EVENT_BUS_NAME.test(eventBusName)) {
    problems.push(
      `eventBusName must be an event bus name (up to 256 letters, digits and . _ / -), got "${eventBusName}"`,
    );
  }

  const lagAlarm = text('completionLagAlarmMs');
  const completionLagAlarmMs = lagAlarm === undefined ? undefined : Number(lagAlarm);
  if (
    completionLagAlarmMs !== undefined &&
    !(Number.isSafeInteger(completionLagAlarmMs) && completionLagAlarmMs >= 1)
  ) {
    problems.push(`completionLagAlarmMs must be an integer >= 1 (milliseconds), got "${lagAlarm}"`);
  }

  const memory = text('memorySize');
  const memorySize = memory === undefined ? undefined : Number(memory);
  if (
    memorySize !== undefined &&
    !(
      Number.isSafeInteger(memorySize) &&
      memorySize >= MEMORY_SIZE.min &&
      memorySize <= MEMORY_SIZE.max
    )
  ) {
    problems.push(
      `memorySize must be an integer from ${MEMORY_SIZE.min} to ${MEMORY_SIZE.max} (MB), got "${memory}"`,
    );
  }

  if (problems.length > 0 || !kodexaUrl || !apiKeySecret) {
    throw new InvalidContext(
      `Invalid CDK context for the slice-completion stack:\n- ${problems.join('\n- ')}`,
    );
  }
  return {
    stage,
    kodexaUrl,
    apiKeySecret,
    eventBusName,
    completionEventSources: list('completionEventSources'),
    pipelineFunctionArns,
    alarmTopicArn,
    alarmEmail,
    reservedConcurrency,
    maxConcurrency,
    batchSize,
    maxBatchingWindowSeconds,
    schemaRegistryName: registryName === 'none' ? undefined : registryName,
    completionLagAlarmMs,
    memorySize,
  };
}

function isPlainHttpsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && !url.username && !url.password && !url.search && !url.hash;
}
