// `npm run smoke -- --function-name NAME | --stack NAME`: after a deploy, proves that the function
// can do its job (docs/runbook.md, "Smoke test"): its configuration is valid, its secret readable,
// Kodexa reachable and the key accepted. Writes nothing.
import { runSmoke } from './smoke/run.ts';

process.exitCode = await runSmoke(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
