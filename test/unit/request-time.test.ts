import { describe, expect, it } from 'vitest';
import { attemptTimeoutMs, waitLimit } from '#functions/slice-completion/request-time.ts';

const now = Date.parse('2026-12-04T12:00:00Z');

describe('waitLimit', () => {
  it('is the deadline without a wait budget', () => {
    expect(waitLimit({ deadline: now + 60_000 }, now)).toBe(now + 60_000);
  });

  it('is the budget from now, never past the deadline', () => {
    expect(waitLimit({ deadline: now + 60_000, waitBudgetMs: 5_000 }, now)).toBe(now + 5_000);
    expect(waitLimit({ deadline: now + 3_000, waitBudgetMs: 5_000 }, now)).toBe(now + 3_000);
    expect(waitLimit({ deadline: now + 60_000, waitBudgetMs: 0 }, now)).toBe(now);
  });
});

describe('attemptTimeoutMs', () => {
  it('is the request timeout while more time is left', () => {
    expect(attemptTimeoutMs(now + 5_000, 1_000, now)).toBe(1_000);
    expect(attemptTimeoutMs(now + 1_000, 1_000, now)).toBe(1_000);
  });

  it('is the time left when less is', () => {
    expect(attemptTimeoutMs(now + 999, 1_000, now)).toBe(999);
    expect(attemptTimeoutMs(now + 1, 1_000, now)).toBe(1);
  });

  it('is undefined once no time is left', () => {
    expect(attemptTimeoutMs(now, 1_000, now)).toBeUndefined();
    expect(attemptTimeoutMs(now - 1, 1_000, now)).toBeUndefined();
  });
});
