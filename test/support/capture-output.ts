import { afterAll, beforeAll } from 'vitest';

/** Collects what the process writes to stdout and stderr (where the function logs and writes its metrics) while a file runs. */
export function captureOutput() {
  let text = '';
  const originals = { out: process.stdout.write, err: process.stderr.write };
  beforeAll(() => {
    const capture = (chunk: string | Uint8Array) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
  });
  afterAll(() => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  });
  return {
    text: () => text,
    clear: () => {
      text = '';
    },
    /** The function's log lines (Powertools Logger). */
    logLines: () => jsonLines().filter((line) => !('_aws' in line)),
    /** Its Embedded Metric Format documents (Powertools Metrics). */
    metricLines: () => jsonLines().filter((line) => '_aws' in line),
  };

  function jsonLines() {
    return text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
