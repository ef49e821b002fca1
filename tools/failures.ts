// `npm run failures -- list|replay ...`: see what failed and replay it (docs/runbook.md, "Where
// failed events end up"). Ctrl-C stops after the event in hand and makes every held message visible.
import { runFailures } from './failures/run.ts';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
process.exitCode = await runFailures(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
});
