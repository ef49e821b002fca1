import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedOutcome, sampleEvents } from '#tools/local/sample-events.ts';
import { root } from '../../infra/paths.ts';

describe('expectedOutcome', () => {
  it.each([
    ['1-direct-success.updated.json', 'updated'],
    ['12-late-failure-after-success.stale.json', 'stale'],
    ['7-invalid.InvalidCompletionEvent.json', 'InvalidCompletionEvent'],
  ])('reads %s as %s', (file, expected) => {
    expect(expectedOutcome(file)).toBe(expected);
  });

  it.each([
    '3-my-event.json',
    'direct-success.updated.json',
    '1-direct.success.updated.json',
    '1-direct-success.updated.json.bak',
    '1-direct-success..json',
  ])('finds no expected outcome in %s', (file) => {
    expect(expectedOutcome(file)).toBeUndefined();
  });
});

describe('sampleEvents', () => {
  it('reads every file in events/, each named by the rule', () => {
    const files = readdirSync(`${root}events`).sort();
    const samples = sampleEvents();
    expect(samples.map((sample) => sample.file)).toEqual(files);
    expect(samples.map((sample) => sample.expected)).toEqual(files.map(expectedOutcome));
    expect(samples.find((sample) => sample.file.startsWith('5-'))).toMatchObject({
      expected: 'unchanged',
      event: { sliceId: expect.any(String) },
    });
  });
});
