import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedOutcome, sampleBatches, sampleEvents } from '#tools/local/sample-events.ts';
import { root } from '../../infra/paths.ts';

describe('expectedOutcome', () => {
  it.each([
    ['1-direct-success.updated.json', 'updated'],
    ['12-late-failure-after-success.stale.json', 'stale'],
    ['7-invalid.InvalidCompletionEvent.json', 'InvalidCompletionEvent'],
    ['10-sqs-batch.updated+SliceNotFound.json', 'updated+SliceNotFound'],
  ])('reads %s as %s', (file, expected) => {
    expect(expectedOutcome(file)).toBe(expected);
  });

  it.each([
    '3-my-event.json',
    'direct-success.updated.json',
    '1-direct.success.updated.json',
    '1-direct-success.updated.json.bak',
    '1-direct-success..json',
    '10-sqs-batch.updated+.json',
    '10-sqs-batch.+updated.json',
  ])('finds no expected outcome in %s', (file) => {
    expect(expectedOutcome(file)).toBeUndefined();
  });
});

describe('sampleEvents and sampleBatches', () => {
  it('read every file in events/, each named by the rule', () => {
    const files = readdirSync(`${root}events`).sort();
    const samples = [...sampleEvents(), ...sampleBatches()];
    expect(samples.map((sample) => sample.file).sort()).toEqual(files);
    for (const sample of samples) expect(sample.expected).toBe(expectedOutcome(sample.file));
    expect(sampleEvents().find((sample) => sample.file.startsWith('5-'))).toMatchObject({
      expected: 'unchanged',
      event: { sliceId: expect.any(String) },
    });
  });

  it('tell batches from the buffer, with one expected outcome for each of their records', () => {
    expect(sampleBatches().map((sample) => sample.file)).toEqual([
      '10-sqs-batch.updated+InvalidCompletionEvent+SliceUpdateConflict.json',
    ]);
    for (const { expected, event } of sampleBatches()) {
      expect((event as { Records: unknown[] }).Records).toHaveLength(expected.split('+').length);
    }
  });
});
