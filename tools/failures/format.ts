// Words and lines as `list` and `replay` print them.
import { oneLine, shorten } from '#functions/slice-completion/short-text.ts';

/** `1 event`, `2 events`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** An error message as a table shows it: on one line, at most 160 characters. */
export function exampleLine(text: string): string {
  return shorten(oneLine(text), 160);
}
