// The orchestrator execution slice as Kodexa's Java backend binds a PUT body (Spring, Jackson):
// a value it cannot bind is a 400 on every retry. The emulator refuses what Kodexa would, so every
// test that writes through it also proves Kodexa would take the write.

export type FieldType = 'int32' | 'date-time' | 'object' | 'string';

/** The slice's typed fields; any other field is kept as it is. Every one of them may be null. */
export const SLICE_FIELDS: Readonly<Record<string, FieldType>> = {
  id: 'string',
  changeSequence: 'int32',
  createdOn: 'date-time',
  updatedOn: 'date-time',
  pipelineExecution: 'object',
  sliceOrder: 'int32',
  stepStartOrder: 'int32',
  stepEndOrder: 'int32',
  inputEvent: 'object',
  status: 'string',
  attemptNumber: 'int32',
  startedAt: 'date-time',
  lambdaRequestId: 'string',
  outputEvent: 'object',
  durationMs: 'int32',
  completedAt: 'date-time',
  errorMessage: 'string',
  errorDetails: 'object',
};

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

const JAVA_TYPES: Record<FieldType, string> = {
  int32: 'java.lang.Integer',
  'date-time': 'java.time.OffsetDateTime',
  object: 'java.util.LinkedHashMap',
  string: 'java.lang.String',
};

const ACCEPTS: Record<FieldType, (value: unknown) => boolean> = {
  // Stricter than Jackson, which truncates 1.5 to 1 and parses "12": a PUT never relies on that.
  int32: (value) =>
    Number.isInteger(value) && Number(value) >= INT32_MIN && Number(value) <= INT32_MAX,
  'date-time': (value) => typeof value === 'string' && isOffsetDateTime(value),
  object: (value) => typeof value === 'object' && !Array.isArray(value),
  string: (value) => typeof value === 'string',
};

/**
 * Why Kodexa would refuse this PUT body, worded as Jackson words it and naming the field (the first
 * one, as Jackson stops there); undefined when Kodexa would take it.
 */
export function sliceBodyProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return `Cannot deserialize value of type \`OrchestratorExecutionSlice\` from ${kind(body)} value`;
  }
  for (const [field, type] of Object.entries(SLICE_FIELDS)) {
    const value = (body as Record<string, unknown>)[field];
    if (value === null || value === undefined || ACCEPTS[type](value)) continue;
    const reason =
      type === 'int32' && Number.isInteger(value)
        ? `Numeric value (${String(value)}) out of range of int (${INT32_MIN} - ${INT32_MAX})`
        : `Cannot deserialize value of type \`${JAVA_TYPES[type]}\` from ${kind(value)} value${typeof value === 'object' ? '' : ` (${JSON.stringify(value)})`}`;
    return `${reason} (through reference chain: OrchestratorExecutionSlice["${field}"])`;
  }
  return undefined;
}

// Java's DateTimeFormatter.ISO_OFFSET_DATE_TIME with its STRICT resolver: seconds and up to nine
// fraction digits optional, an offset Z or +-hh:mm[:ss] within +-18:00, and a date that exists.
const OFFSET_DATE_TIME =
  /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](\d\d):([0-5]\d)(?::([0-5]\d))?)$/;

function isOffsetDateTime(text: string): boolean {
  const match = OFFSET_DATE_TIME.exec(text);
  if (!match) return false;
  // Number(undefined) is NaN, so an absent offset part counts as 0.
  const [, year = 0, month = 0, day = 0, , hours, minutes, seconds] = match.map(Number);
  const offsetSeconds = (hours || 0) * 3600 + (minutes || 0) * 60 + (seconds || 0);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day >= 1 && day <= daysInMonth && offsetSeconds <= 18 * 3600;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') return 'Object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Floating-point';
  return typeof value === 'string' ? 'String' : 'Boolean';
}
