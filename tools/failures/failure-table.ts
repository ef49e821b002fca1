// `list`'s table: failed events grouped by error and condition, most frequent first. Pure.
import type { FailedEvent } from './failed-message.ts';
import { exampleLine } from './format.ts';

export interface FailureGroup {
  errorName: string;
  condition: string;
  count: number;
  /** Epoch ms of the oldest message of the group that says when it was sent. */
  oldestSentAt: number | undefined;
  /** Distinct slice ids, in the order their messages came. */
  sliceIds: string[];
  /** One of the group's error messages, to show why without reading the queue. */
  example: string | undefined;
}

const SLICES_SHOWN = 3;

export function groupFailures(events: readonly FailedEvent[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const event of events) {
    const key = JSON.stringify([event.errorName, event.condition]);
    let group = groups.get(key);
    if (!group) {
      group = {
        errorName: event.errorName,
        condition: event.condition,
        count: 0,
        oldestSentAt: undefined,
        sliceIds: [],
        example: undefined,
      };
      groups.set(key, group);
    }
    group.count++;
    if (
      event.sentAt !== undefined &&
      (group.oldestSentAt === undefined || event.sentAt < group.oldestSentAt)
    ) {
      group.oldestSentAt = event.sentAt;
    }
    if (event.sliceId !== undefined && !group.sliceIds.includes(event.sliceId)) {
      group.sliceIds.push(event.sliceId);
    }
    group.example ??= event.errorMessage;
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.count - a.count ||
      (a.oldestSentAt ?? Infinity) - (b.oldestSentAt ?? Infinity) ||
      a.errorName.localeCompare(b.errorName),
  );
}

export function failureTable(groups: readonly FailureGroup[], now: number): string[] {
  const rows = groups.map((group) => [
    String(group.count),
    group.errorName,
    group.condition,
    group.oldestSentAt === undefined ? '-' : formatAge(now - group.oldestSentAt),
    sliceList(group.sliceIds),
  ]);
  const header = ['count', 'error', 'condition', 'oldest', 'slices'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padStart(widths[0] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const indent = ' '.repeat((widths[0] ?? 0) + 2);
  return [
    line(header),
    ...rows.flatMap((row, i) => {
      const example = groups[i]?.example;
      return example ? [line(row), `${indent}e.g. ${exampleLine(example)}`] : [line(row)];
    }),
  ];
}

/** A message's age as an operator reads it: the two largest units, e.g. `3h 12m`, `2d 4h`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const units: [string, number][] = [
    ['d', Math.floor(seconds / 86_400)],
    ['h', Math.floor(seconds / 3600) % 24],
    ['m', Math.floor(seconds / 60) % 60],
    ['s', seconds % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  if (first < 0) return '0s';
  return units
    .slice(first, first + 2)
    .filter(([, value], i) => i === 0 || value > 0)
    .map(([unit, value]) => `${value}${unit}`)
    .join(' ');
}

function sliceList(sliceIds: readonly string[]): string {
  if (sliceIds.length === 0) return '-';
  const shown = sliceIds.slice(0, SLICES_SHOWN).join(', ');
  const more = sliceIds.length - SLICES_SHOWN;
  return more > 0 ? `${shown}, +${more} more` : shown;
}
