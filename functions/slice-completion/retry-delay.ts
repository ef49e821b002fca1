const BASE_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * How long to wait before retry number `retry` (1-based): Kodexa's Retry-After when it sent one,
 * otherwise exponential backoff with full jitter, so that many containers retrying after the same
 * outage do not return in step.
 */
export function retryDelayMs(
  retry: number,
  retryAfter: string | null,
  now: number,
  random: () => number,
): number {
  const jitter = random() * Math.min(MAX_BACKOFF_MS, BASE_MS * 2 ** retry);
  const asked = retryAfterMs(retryAfter, now);
  return asked === undefined ? Math.round(jitter) : asked + Math.round(random() * BASE_MS);
}

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Date.parse takes bare numbers such as "-1" as years; an HTTP-date always names its day.
  if (!/^[a-z]{3}, /i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
