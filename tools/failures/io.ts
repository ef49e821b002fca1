export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Where a command writes, what stops it (Ctrl-C), and how it gives back the messages it holds. */
export interface Io {
  stdout: Output;
  stderr: Output;
  signal?: AbortSignal;
  /** Makes every held message visible again; false (after warning) when some could not be. */
  release(): Promise<boolean>;
}
