// How `npm start` and `npm run invoke` show what an invocation did to a slice.

const SHOWN_FIELDS = ['status', 'lambdaRequestId', 'durationMs', 'completedAt'] as const;

export function outcomeLine(result: unknown): string {
  if (result instanceof Error) return `${result.name}: ${result.message}`;
  const { outcome, changeSequence } = result as { outcome: string; changeSequence: unknown };
  return `${outcome} (changeSequence ${String(changeSequence)})`;
}

/** The slice's main fields before and after, and the names of every field that changed. */
export function sliceChange(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string[] {
  if (!before || !after) return ['  (no slice was read)'];
  const lines = SHOWN_FIELDS.map((field) => {
    const was = show(before[field]);
    const now = show(after[field]);
    return `  ${field.padEnd(17)}${was === now ? now : `${was} -> ${now}`}`;
  });
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
  lines.push(`  ${'changed'.padEnd(17)}${changed.length ? changed.join(', ') : 'nothing'}`);
  return lines;
}

function show(value: unknown): string {
  return value === undefined ? '-' : JSON.stringify(value);
}
