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
});
