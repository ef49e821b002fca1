// How replay shows its progress: a bar on a terminal, with a line for each event that failed
// again; one line per event otherwise, for logs and pipes.
import cliProgress from 'cli-progress';
import type { Output } from './io.ts';

export interface Progress {
  /** One event done: its line, and whether it failed again. */
  step(line: string, failed: boolean): void;
  finish(): void;
}

export function showProgress(total: number, stdout: Output, stderr: Output): Progress {
  if (!stderr.isTTY) {
    return { step: (line) => stdout.write(`${line}\n`), finish: () => undefined };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: stderr as NodeJS.WritableStream,
      format: 'replaying [{bar}] {value}/{total} events | {failed} failed again',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let failures = 0;
  const bar = bars.create(total, 0, { failed: failures });
  return {
    step: (line, failed) => {
      if (failed) {
        failures++;
        bars.log(`${line}\n`);
      }
      bar.increment(1, { failed: failures });
    },
    finish: () => {
      bars.update(); // the bar writes logged lines only when it redraws
      bars.stop();
    },
  };
}
