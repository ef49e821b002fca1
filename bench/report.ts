// The figures as a Markdown table (ready for docs/performance.md) and the machine they came from.
// A figure is judged as it is printed (a ratio to three decimals, a time to its shown digits),
// so a row can never read as within its budget and be over it, or the other way round.
import os from 'node:os';

export type Unit = 'bytes' | 'ms' | 'µs' | 'MiB' | 's' | 'USD' | 'count' | 'number';
export type Budget = { max: number } | { exactly: number };

export interface Figure {
  figure: string;
  unit: Unit;
  ours: number;
  floor?: number;
  /** What the budget judges: a ratio to the floor (`ratio`), or `ours` itself in `unit`. */
  value: number;
  ratio: boolean;
  /** Checked by --check. A figure has a budget, a goal, or neither (shown to explain the others). */
  budget?: Budget;
  /** Printed with whether it is met, never checked: an aim the code does not promise (yet). */
  goal?: Budget;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

const DIGITS: Record<Unit, number> = {
  bytes: 0,
  ms: 1,
  µs: 0,
  MiB: 2,
  s: 1,
  USD: 3,
  count: 0,
  number: 2,
};
const RATIO_DIGITS = 3;

/** The value as the table shows it. */
function shown(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function judge(figure: Figure, limit: Budget | undefined): boolean | undefined {
  if (!limit) return undefined;
  const value = shown(figure.value, figure.ratio ? RATIO_DIGITS : DIGITS[figure.unit]);
  return 'max' in limit ? value <= limit.max : value === limit.exactly;
}

export function withinBudget(figure: Figure): boolean | undefined {
  return judge(figure, figure.budget);
}

function amount(value: number, unit: Unit): string {
  const digits = DIGITS[unit];
  const text = value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  switch (unit) {
    case 'bytes':
      return `${text} B`;
    case 'USD':
      return `$${text}`;
    case 'count':
    case 'number':
      return text;
    default:
      return `${text} ${unit}`;
  }
}

function limitText(figure: Figure, limit: Budget): string {
  const bound = 'max' in limit ? limit.max : limit.exactly;
  const shownBound = figure.ratio ? `${bound.toFixed(RATIO_DIGITS)}x` : amount(bound, figure.unit);
  return `${'max' in limit ? '<=' : '='} ${shownBound}`;
}

function budgetText(figure: Figure): string {
  if (figure.budget) return limitText(figure, figure.budget);
  if (figure.goal) return `goal ${limitText(figure, figure.goal)}`;
  return '(info)';
}

function verdict(figure: Figure): string {
  const ok = withinBudget(figure);
  if (ok !== undefined) return ok ? 'yes' : '**OVER**';
  const met = judge(figure, figure.goal);
  return met === undefined ? '' : met ? 'met' : 'not met';
}

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.figure,
    amount(f.ours, f.unit),
    f.floor === undefined ? '' : amount(f.floor, f.unit),
    f.ratio ? `${f.value.toFixed(RATIO_DIGITS)}x` : amount(f.value, f.unit),
    budgetText(f),
    verdict(f),
  ]);
  return markdown(['figure', 'ours', 'floor', 'ratio / value', 'budget', 'ok'], rows);
}

/** A Markdown table with its columns padded to line up. */
export function markdown(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
