// The saved Logs Insights queries (infra/log-queries.ts) read fields of the function's log line by
// name: each name must be a field of the lines the built bundle really writes.
import { expect, it } from 'vitest';
import { isObject } from '#functions/slice-completion/json-object.ts';
import { lambdaContext } from '#tools/local/lambda-runtime.ts';
import { LOG_FIELDS, LOG_MESSAGES } from '../../infra/log-queries.ts';
import { captureOutput } from '../support/capture-output.ts';
import { sampleEvent } from '../support/failed-events.ts';
import { loadedBundle } from '../support/loaded-bundle.ts';

const bundle = loadedBundle({ POWERTOOLS_LOG_LEVEL: 'INFO' });
const output = captureOutput();

/** A field by its Logs Insights name: nested JSON fields are joined with dots. */
function fieldOf(line: Record<string, unknown>, name: string): unknown {
  return name
    .split('.')
    .reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), line);
}

it('names only fields and messages of the function’s real log lines', async () => {
  // A completion through EventBridge that Kodexa first answers 503, and one the function rejects.
  bundle.services.kodexa.inject({ method: 'GET', status: 503 });
  await bundle.handler(sampleEvent('2-eventbridge-completion.updated.json'), lambdaContext());
  await bundle
    .handler(sampleEvent('7-invalid.InvalidCompletionEvent.json'), lambdaContext())
    .catch(() => undefined);
  const lines = output.logLines();

  expect(lines.map((line) => line.message)).toEqual([LOG_MESSAGES.reported, LOG_MESSAGES.failed]);
  expect(lines[0]).toMatchObject({ retries: 1 });
  for (const name of Object.values(LOG_FIELDS)) {
    expect(
      lines.some((line) => fieldOf(line, name) !== undefined),
      `no log line has ${name}`,
    ).toBe(true);
  }
});
