// The ranges the stack takes for the buffer's event source mapping, in one place for the `-c`
// values (context.ts) and the construct's props (slice-completion.ts), so that both refuse the
// same values in the same words. maxConcurrency and the batching window are Lambda's own ranges
// (hand-back.ts's LONGEST_HOLD_SECONDS counts on the window's 300 s); a batch of more than 10
// would need a batching window, and would put more completions behind one 60 s timeout.

const BUFFER_LIMITS = {
  maxConcurrency: { min: 2, max: 1000, unit: '' },
  batchSize: { min: 1, max: 10, unit: '' },
  maxBatchingWindowSeconds: { min: 0, max: 300, unit: ' (seconds)' },
} as const;

export type BufferSetting = keyof typeof BUFFER_LIMITS;

/**
 * What is wrong with a value of a setting, named `name`; undefined when it is an integer in range.
 * `given` is the value as it was written.
 */
export function bufferSettingProblem(
  setting: BufferSetting,
  value: number,
  { name = setting, given = String(value) }: { name?: string; given?: string } = {},
): string | undefined {
  const { min, max, unit } = BUFFER_LIMITS[setting];
  if (Number.isSafeInteger(value) && value >= min && value <= max) return undefined;
  return `${name} must be an integer from ${min} to ${max}${unit}, got "${given}"`;
}
