import { describe, expect, it } from 'vitest';
import {
  COMPLETION_OUTCOMES,
  isCompletionOutcome,
} from '#functions/slice-completion/complete-slice.ts';
import { OUTCOME_METRICS } from '#functions/slice-completion/metric-names.ts';

describe('the completion outcomes', () => {
  it('are updated, unchanged and stale, each with its metric', () => {
    expect(COMPLETION_OUTCOMES).toEqual(['updated', 'unchanged', 'stale']);
    expect(Object.keys(OUTCOME_METRICS)).toEqual([...COMPLETION_OUTCOMES]);
  });

  it.each([
    ['updated', true],
    ['unchanged', true],
    ['stale', true],
    ['update', false],
    ['Updated', false],
    ['', false],
    [undefined, false],
    [{ outcome: 'updated' }, false],
  ])('%o is an outcome: %s', (value, is) => {
    expect(isCompletionOutcome(value)).toBe(is);
  });
});
