// What ties a completion's log line to its cause, on the built bundle's stdout: the EventBridge
// event id (Powertools' correlation_id) and the pipeline that sent it, set per invocation and
// cleared after it.
import { beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '#tools/local/lambda-runtime.ts';
import { captureOutput } from '../support/capture-output.ts';
import { sampleEvent } from '../support/failed-events.ts';
import { loadedBundle } from '../support/loaded-bundle.ts';

const bundle = loadedBundle({ POWERTOOLS_LOG_LEVEL: 'INFO' });
const output = captureOutput();
beforeEach(() => output.clear());

/** The one log line of an invocation of the bundle. */
async function logLineOf(event: unknown) {
  output.clear();
  await bundle.handler(event, lambdaContext()).catch(() => undefined);
  const lines = output.logLines();
  expect(lines).toHaveLength(1);
  return lines[0] ?? {};
}

const PIPELINE = 'arn:aws:lambda:eu-west-1:123456789012:function:kodexa-pipeline:$LATEST';

describe('a completion’s log line', () => {
  it('carries the EventBridge event id as correlation_id, and its source as sentBy', async () => {
    const line = await logLineOf(sampleEvent('2-eventbridge-completion.updated.json'));
    expect(line).toMatchObject({
      message: 'slice completion reported',
      sliceId: '8a2d4c6e-1b3f-4a5c-8e7d-9f0b1c2d3e4f',
      correlation_id: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
      sentBy: 'kodexa.pipeline',
    });
  });

  it('names the pipeline of a destination record that came through EventBridge', async () => {
    const line = await logLineOf(sampleEvent('3-eventbridge-destination-success.updated.json'));
    expect(line).toMatchObject({
      correlation_id: '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
      sentBy: PIPELINE,
    });
  });

  it('names the pipeline of a raw destination record, which has no event id', async () => {
    const line = await logLineOf(sampleEvent('4-destination-failure.updated.json'));
    expect(line.sentBy).toBe(PIPELINE);
    expect(line).not.toHaveProperty('correlation_id');
  });

  it('names the sender of an event it rejects', async () => {
    const event = sampleEvent('2-eventbridge-completion.updated.json') as Record<string, unknown>;
    const line = await logLineOf({ ...event, source: 'acme.pipeline', detail: { sliceId: 'x' } });
    expect(line).toMatchObject({
      level: 'ERROR',
      error: { name: 'InvalidCompletionEvent' },
      correlation_id: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
      sentBy: 'acme.pipeline',
    });
  });

  it('carries neither for a direct completion event, after one that had both', async () => {
    await logLineOf(sampleEvent('2-eventbridge-completion.updated.json'));
    const line = await logLineOf(sampleEvent('1-direct-success.updated.json'));
    expect(line.sliceId).toBe('3f1c2b9e-7d4a-4e2b-9c51-0a8d6e4f7b21');
    expect(line).not.toHaveProperty('correlation_id');
    expect(line).not.toHaveProperty('sentBy');
  });
});
