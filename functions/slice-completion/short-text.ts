// Text cut to fit where it is shown: an error message, a message attribute, a terminal line.

/** The text on one line: each run of white space (line breaks included) one space, none at the ends. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * At most `maxChars` characters, the last three `...` where it was cut. Counted in code points,
 * so that a cut never splits a surrogate pair: SQS refuses a message attribute holding half of one.
 */
export function shorten(text: string, maxChars: number): string {
  const characters = [...text];
  if (characters.length <= maxChars) return text;
  return `${characters.slice(0, maxChars - 3).join('')}...`;
}
