// Words and lines as `list` and `replay` print them.

/** `1 event`, `2 events`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** One line of at most maxChars characters, `...` where it was cut. */
export function shorten(text: string, maxChars = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxChars ? `${line.slice(0, maxChars)}...` : line;
}
