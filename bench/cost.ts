// What a million completions cost on each path, from what the burst measured and AWS's list
// prices. Only what differs between the paths is counted: EventBridge's own charge for an event
// and CloudWatch (logs, metrics) are the same on both.

/**
 * AWS list prices in us-east-1 (free tiers left out), as published on
 * https://aws.amazon.com/lambda/pricing/ and https://aws.amazon.com/sqs/pricing/ in 2026-12.
 */
export const PRICES = {
  asOf: '2026-12',
  region: 'us-east-1',
  /** Lambda on arm64, per GB-second, the first 7.5 billion GB-seconds of a month. */
  lambdaArmGbSecondUsd: 0.0000133334,
  /** Lambda, per request (invocation), either architecture. */
  lambdaRequestUsd: 0.2 / 1e6,
  /**
   * SQS standard queue, per request (the first 100 billion of a month); a batch of up to 10
   * messages is one request, as is each 64 KB of payload (a completion is far smaller).
   */
  sqsRequestUsd: 0.4 / 1e6,
} as const;

export interface PathUsage {
  completions: number;
  lambdaRequests: number;
  /** Billed milliseconds, each invocation's rounded up to the next millisecond. */
  billedMs: number;
  /** SQS requests by kind; empty for the direct path. */
  sqsRequests: Record<string, number>;
}

export interface PathCost {
  /** USD per million completions. */
  lambdaRequests: number;
  lambdaDuration: number;
  sqs: Record<string, number>;
  total: number;
  /** GB-seconds per completion. */
  gbSecondsPerCompletion: number;
}

export function costPerMillion(usage: PathUsage, memorySizeMb: number): PathCost {
  const perMillion = (amount: number) => (amount / usage.completions) * 1e6;
  const gbSeconds = (usage.billedMs / 1000) * (memorySizeMb / 1024);
  const sqs = Object.fromEntries(
    Object.entries(usage.sqsRequests).map(([kind, count]) => [
      kind,
      perMillion(count * PRICES.sqsRequestUsd),
    ]),
  );
  const lambdaRequests = perMillion(usage.lambdaRequests * PRICES.lambdaRequestUsd);
  const lambdaDuration = perMillion(gbSeconds * PRICES.lambdaArmGbSecondUsd);
  return {
    lambdaRequests,
    lambdaDuration,
    sqs,
    total: lambdaRequests + lambdaDuration + Object.values(sqs).reduce((a, b) => a + b, 0),
    gbSecondsPerCompletion: gbSeconds / usage.completions,
  };
}

/** A path's total cost per million completions at each of two Kodexa latencies. */
export interface CostAtLatencies {
  near: number;
  far: number;
}

/**
 * The Kodexa latency per request above which the buffer costs less than the direct path, each
 * path's cost taken as a straight line through its costs measured at `nearMs` and `farMs`: what
 * grows with the latency is billed time spent waiting on Kodexa (two round trips per direct
 * invocation, about two per batch of ten). Undefined when the buffer's cost does not grow more
 * slowly than the direct path's.
 */
export function breakEvenLatencyMs(
  buffer: CostAtLatencies,
  direct: CostAtLatencies,
  nearMs: number,
  farMs: number,
): number | undefined {
  const slope = (path: CostAtLatencies) => (path.far - path.near) / (farMs - nearMs);
  const gap = slope(direct) - slope(buffer);
  return gap > 0 ? nearMs + (buffer.near - direct.near) / gap : undefined;
}
