// How `npm start` and `npm run invoke` show what an invocation did to a slice.
import { shorten } from '../../functions/slice-completion/short-text.ts';

const SHOWN_FIELDS = ['status', 'lambdaRequestId', 'durationMs', 'completedAt'] as const;
const SHOWN_CHARS = 60;

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
  const changed = changedFields(before, after);
  lines.push(`  ${'changed'.padEnd(17)}${changed.length ? changed.join(', ') : 'nothing'}`);
  return lines;
}

/** Every field that changed, with the value it had and the value written, long ones shortened. */
export function sliceWrites(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string[] {
  if (!before || !after) return ['  (no slice was read)'];
  const changed = changedFields(before, after);
  if (changed.length === 0) return ['  nothing changed'];
  const width = Math.max(17, ...changed.map((field) => field.length + 1));
  const shortened = (value: unknown) => shorten(show(value), SHOWN_CHARS);
  return changed.map(
    (field) => `  ${field.padEnd(width)}${shortened(before[field])} -> ${shortened(after[field])}`,
  );
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
}

function show(value: unknown): string {
  return value === undefined ? '-' : JSON.stringify(value);
}
