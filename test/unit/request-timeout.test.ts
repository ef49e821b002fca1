import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestTimeout } from '#functions/slice-completion/request-timeout.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('requestTimeout', () => {
  it('aborts with a TimeoutError, as AbortSignal.timeout does, once the time is up', () => {
    const { signal } = requestTimeout(1_000);
    vi.advanceTimersByTime(999);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect(signal.reason).toHaveProperty('name', 'TimeoutError');
  });

  it('never fires once cleared, so nothing is built after the request ended', () => {
    const { signal, clear } = requestTimeout(1_000);
    clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(signal.aborted).toBe(false);
  });

  it('keeps no process alive by itself, as AbortSignal.timeout does not', () => {
    vi.useRealTimers();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const limit = requestTimeout(60_000);
    try {
      expect(timers()).toBe(before);
    } finally {
      limit.clear();
    }
  });
});
