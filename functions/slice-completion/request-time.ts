// How long a request to Kodexa may take and wait, from the invocation's deadline and a batch
// record's wait budget. Pure: the time is given.

/** Until when a request may wait, in retries and at the gate: its wait budget, never past the deadline. */
export function waitLimit(
  { deadline, waitBudgetMs }: { deadline: number; waitBudgetMs?: number },
  now: number,
): number {
  return waitBudgetMs === undefined ? deadline : Math.min(deadline, now + waitBudgetMs);
}

/**
 * How long the next attempt may wait for Kodexa's answer: the request timeout, cut to the time
 * left before the deadline; undefined when no time is left.
 */
export function attemptTimeoutMs(
  deadline: number,
  requestTimeoutMs: number,
  now: number,
): number | undefined {
  const remaining = deadline - now;
  return remaining > 0 ? Math.min(requestTimeoutMs, remaining) : undefined;
}
