// One per container, shared by the completions of the buffer's batches that it has in hand, so
// that they slow down together when Kodexa pushes back, instead of each collecting its own:
// - a Retry-After holds every request until the time Kodexa asked for;
// - a 429 paces the requests from then on, at what Kodexa granted the container over the last
//   seconds (its share of Kodexa's limit among the containers), growing while Kodexa answers;
// - a 5xx (or 408, 425) or no answer holds every request for a backoff that doubles with each
//   such failure in a row (up to 5 s, with full jitter), so that a Kodexa that is down sees a few
//   probes, not a burst; an answer starts the doubling again (a hold begun runs out). A request the
//   invocation's deadline cut short is neither an answer nor a failure: it tells nothing of Kodexa.
// Until Kodexa first answers 429, requests go as fast as the batch sends them. A request that
// would have to wait past its budget is not sent: the completion goes back to the buffer (the
// batch sets its visibility from `retryAt`).
import { KodexaUnavailable } from './errors.ts';
import { isKodexaFailing } from './kodexa-answer.ts';
import type { GateAnswer, Invocation, KodexaGate } from './kodexa-client.ts';
import { retryAfterMs, retryDelayMs } from './retry-delay.ts';

/** How far back a container counts the answers Kodexa gave it, to learn its share. */
const SHARE_WINDOW_MS = 2_000;
/** A container younger than the window counts over its age, but at least this long. */
const MIN_SHARE_WINDOW_MS = 250;
/** Paced a little below the share learnt, so that the containers together stay under the limit. */
const SHARE_USED = 0.9;
/** The slowest pace: one request a second. */
const MIN_REQUESTS_PER_SECOND = 1;
/** While Kodexa answers, the pace grows by this part of itself per second, at least 1/s per second. */
const GROWTH_PER_SECOND = 0.1;

export function createKodexaGate(random: () => number): KodexaGate {
  let closedUntil = 0;
  // Why the gate is closed until then: Kodexa's Retry-After, or failures in a row.
  // Stryker disable next-line StringLiteral: equivalent, read only once close() has set it
  let closedBy = '';
  let failures = 0;
  /** Requests per second; unpaced until Kodexa first pushes back. */
  let pace = Number.POSITIVE_INFINITY;
  /** The next paced turn; unpaced, a turn takes no time (1000 / Infinity is 0). */
  let nextStart = 0;
  let grownAt = 0;
  /** When Kodexa answered within SHARE_WINDOW_MS, oldest first. */
  const answers: number[] = [];
  let firstAnswer: number | undefined;

  const close = (until: number, why: string) => {
    if (until <= closedUntil) return;
    closedUntil = until;
    closedBy = why;
  };
  const answered = (answer: GateAnswer) => {
    // Our own deadline, not Kodexa, ended it: neither an answer nor a failure.
    if ('cutShort' in answer) return;
    const { status, retryAfter } = answer;
    const now = Date.now();
    // The answers before the window are forgotten; an empty list's first is taken as the window's.
    const since = now - SHARE_WINDOW_MS;
    while ((answers[0] ?? since) < since) answers.shift();
    if (status !== 0 && status !== 429 && !isKodexaFailing(status)) {
      answers.push(now);
      firstAnswer ??= now;
      failures = 0;
      // Not while a Retry-After holds the requests: answers to requests sent before it came.
      // Unpaced, it stays so: Infinity grows to Infinity.
      if (now > grownAt) {
        pace += Math.max(1, pace * GROWTH_PER_SECOND) * ((now - grownAt) / 1000);
        grownAt = now;
      }
      return;
    }
    const asked = retryAfterMs(retryAfter ?? null, now);
    if (asked !== undefined) close(now + asked, 'Kodexa asked (Retry-After) for no requests');
    if (status === 429) {
      const counted = Math.min(SHARE_WINDOW_MS, now - (firstAnswer ?? now));
      const share = (answers.length * 1000) / Math.max(MIN_SHARE_WINDOW_MS, counted);
      pace = Math.max(MIN_REQUESTS_PER_SECOND, Math.min(pace, share) * SHARE_USED);
      grownAt = Math.max(now, closedUntil);
    } else {
      failures++;
      if (asked === undefined) {
        close(
          now + retryDelayMs(failures, null, now, random),
          `Kodexa failed ${failures} time(s) in a row, so no requests`,
        );
      }
    }
  };

  return {
    async enter(invocation: Invocation, request: string, waitUntil: number) {
      const now = Date.now();
      const start = Math.max(now, closedUntil, nextStart);
      // A request that need not wait goes, whatever its budget, which is for waiting: when the
      // deadline leaves no time for it, the client ends it, saying so.
      if (start > now && start > waitUntil) {
        invocation.retryAt = start;
        const why =
          start === closedUntil
            ? `${closedBy} until ${new Date(closedUntil).toISOString()}`
            : `paced at ${pace.toFixed(1)} requests/s since Kodexa answered 429, its turn would come at ${new Date(start).toISOString()}`;
        throw new KodexaUnavailable(
          `${request}: not sent; ${why}, past this delivery's retry budget; left to the buffer's redelivery`,
        );
      }
      nextStart = start + 1000 / pace;
      if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
      return answered;
    },
  };
}
