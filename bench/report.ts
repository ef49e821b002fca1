// The figures as a Markdown table (ready for the README) and the machine they came from.
import os from 'node:os';

export type Unit = 'bytes' | 'ms' | 'µs' | 'MiB' | 'count';
export type Budget = { max: number } | { exactly: number };

export interface Figure {
  figure: string;
  unit: Unit;
  ours: number;
  floor?: number;
  /** What the budget judges: a ratio to the floor (`ratio`), or `ours` itself in `unit`. */
  value: number;
  ratio: boolean;
  /** Absent for figures shown only to explain the others. */
  budget?: Budget;
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

export function withinBudget(figure: Figure): boolean | undefined {
  const { budget, value } = figure;
  if (!budget) return undefined;
  return 'max' in budget ? value <= budget.max : value === budget.exactly;
}

function amount(value: number, unit: Unit): string {
  switch (unit) {
    case 'bytes':
      return `${value.toLocaleString('en-US')} B`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'µs':
      return `${Math.round(value).toLocaleString('en-US')} µs`;
    case 'MiB':
      return `${value.toFixed(2)} MiB`;
    case 'count':
      return String(value);
  }
}

function budgetText(figure: Figure): string {
  const { budget } = figure;
  if (!budget) return '(info)';
  const limit = 'max' in budget ? budget.max : budget.exactly;
  const shown = figure.ratio ? `${limit.toFixed(2)}x` : amount(limit, figure.unit);
  return `${'max' in budget ? '<=' : '='} ${shown}`;
}

export function table(figures: Figure[]): string {
  const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'yes' : '**OVER**');
  const rows = figures.map((f) => [
    f.figure,
    amount(f.ours, f.unit),
    f.floor === undefined ? '' : amount(f.floor, f.unit),
    f.ratio ? `${f.value.toFixed(3)}x` : amount(f.value, f.unit),
    budgetText(f),
    verdict(withinBudget(f)),
  ]);
  const header = ['figure', 'ours', 'floor', 'ratio / value', 'budget', 'ok'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
