import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelayMs } from '#functions/slice-completion/retry-delay.ts';

const now = Date.parse('2026-11-28T12:00:00Z');

describe('retryDelayMs', () => {
  it('grows exponentially, capped at 5 s, and jitters across the whole range', () => {
    expect([1, 2, 3, 10].map((retry) => retryDelayMs(retry, null, now, () => 1))).toEqual([
      200, 400, 800, 5000,
    ]);
    expect(retryDelayMs(3, null, now, () => 0)).toBe(0);
  });

  it('waits at least what Retry-After asks', () => {
    expect(retryDelayMs(1, '2', now, () => 0)).toBe(2000);
    expect(retryDelayMs(1, '2', now, () => 1)).toBe(2100);
  });
});

describe('retryAfterMs', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['3', 3000],
    ['120', 120000],
    [' 0 ', 0],
    ['Sat, 28 Nov 2026 12:00:04 GMT', 4000],
    ['Sat, 28 Nov 2026 11:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
    // delta-seconds is digits only, though Number() reads more
    ['1e3', undefined],
    // an HTTP-date starts with its day name, though Date.parse reads more
    ['28 Nov 2026 12:00:04 GMT (Sat, )', undefined],
  ])('%o gives %o', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});
