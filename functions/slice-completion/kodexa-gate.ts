// One per container, shared by the completions of the buffer's batches that it has in hand, so
// that they slow down together when Kodexa pushes back instead of each collecting its own 429s.
// Until Kodexa first pushes back (a 429, a 5xx, or no answer), requests go as fast as the batch
// sends them. From then on the container paces its requests: at what Kodexa granted it over the
// last seconds (its share of Kodexa's limit among the containers), growing while Kodexa keeps
// answering, and a Retry-After holds every request until the time Kodexa asked for.
// A request that would have to wait past its completion's retry budget is not sent: the
// completion goes back to the buffer (the batch sets its visibility from `retryAt`).
import { KodexaUnavailable } from './errors.ts';
import type { GateAnswer, Invocation, KodexaGate } from './kodexa-client.ts';
import { retryAfterMs } from './retry-delay.ts';

/** How far back a container counts the answers Kodexa gave it, to learn its share. */
const SHARE_WINDOW_MS = 2_000;
/** Paced a little below the share learnt, so that the containers together stay under the limit. */
const SHARE_USED = 0.9;
/** The slowest pace: one request a second. */
const MIN_REQUESTS_PER_SECOND = 1;
/** While Kodexa answers, the pace grows by this part of itself per second, at least 1/s per second. */
const GROWTH_PER_SECOND = 0.1;

export function createKodexaGate(): KodexaGate {
  let closedUntil = 0;
  /** Requests per second; unpaced until Kodexa first pushes back. */
  let pace = Number.POSITIVE_INFINITY;
  let nextStart = 0;
  let grownAt = 0;
  /** When Kodexa answered within SHARE_WINDOW_MS, oldest first. */
  const answers: number[] = [];

  const answered = ({ status, retryAfter }: GateAnswer) => {
    const now = Date.now();
    while (answers.length > 0 && (answers[0] as number) < now - SHARE_WINDOW_MS) answers.shift();
    if (status !== 0 && status !== 429 && status < 500) {
      answers.push(now);
      // Not while a Retry-After holds the requests: answers to requests sent before it came.
      if (pace !== Number.POSITIVE_INFINITY && now > grownAt) {
        pace += Math.max(1, pace * GROWTH_PER_SECOND) * ((now - grownAt) / 1000);
        grownAt = now;
      }
      return;
    }
    const asked = retryAfterMs(retryAfter ?? null, now);
    if (asked !== undefined) closedUntil = Math.max(closedUntil, now + asked);
    const share = (answers.length * 1000) / SHARE_WINDOW_MS;
    pace = Math.max(MIN_REQUESTS_PER_SECOND, Math.min(pace, share) * SHARE_USED);
    grownAt = Math.max(now, closedUntil);
  };

  return {
    async enter(invocation: Invocation, request: string, waitUntil: number) {
      const now = Date.now();
      const start = Math.max(now, closedUntil, pace === Number.POSITIVE_INFINITY ? 0 : nextStart);
      if (start > waitUntil) {
        invocation.retryAt = start;
        const why =
          start === closedUntil
            ? `Kodexa asked for no requests until ${new Date(closedUntil).toISOString()}`
            : `paced at ${pace.toFixed(1)} requests/s since Kodexa pushed back, its turn would come at ${new Date(start).toISOString()}`;
        throw new KodexaUnavailable(
          `${request}: not sent; ${why}, past this delivery's retry budget; left to the buffer's redelivery`,
        );
      }
      if (pace !== Number.POSITIVE_INFINITY) nextStart = start + 1000 / pace;
      if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
      return answered;
    },
  };
}
