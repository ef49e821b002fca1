// One HTTP request to Kodexa over Node's fetch, and its answer read. Node's fetch keeps
// connections alive across calls, so a warm container reuses one connection for many invocations.
import { setImmediate } from 'node:timers/promises';
import type { Answer } from './kodexa-answer.ts';
import { requestTimeout } from './request-timeout.ts';
import type { Slice } from './update-rules.ts';

// Each answer's time limit until readAnswer has read it: the limit covers the body too.
const timeLimits = new WeakMap<Response, () => void>();

/**
 * Rejects as fetch does: no connection, no answer within `timeoutMs`, ... The time limit runs
 * on until `readAnswer` has read the answer's body.
 */
export async function requestKodexa(
  url: string,
  method: 'GET' | 'PUT',
  apiKey: string,
  body: Slice | undefined,
  timeoutMs: number,
): Promise<Response> {
  const timeout = requestTimeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        // Stryker disable next-line StringLiteral: equivalent, Spring reads an empty Accept as any type
        accept: 'application/json',
        'x-api-key': apiKey,
        ...(body && { 'content-type': 'application/json' }),
      },
      body: body && JSON.stringify(body),
      // fetch would follow a redirect with x-api-key still set, to any origin and even to
      // plain http: the key goes nowhere but KODEXA_URL, so a 3xx comes back to us unfollowed.
      redirect: 'manual',
      signal: timeout.signal,
    });
  } catch (error) {
    timeout.clear();
    throw error;
  }
  timeLimits.set(response, timeout.clear);
  return response;
}

/** The answer with its body. A slice (2xx) must arrive whole; an error body is only quoted. */
export async function readAnswer(response: Response): Promise<Answer> {
  try {
    return await readBody(response);
  } finally {
    // Stryker disable next-line OptionalChaining: equivalent, every answer read was sent by requestKodexa
    timeLimits.get(response)?.();
  }
}

async function readBody(response: Response): Promise<Answer> {
  const { status, headers } = response;
  const answer = (text: string): Answer => ({
    status,
    text,
    retryAfter: headers.get('retry-after'),
    location: headers.get('location'),
  });
  if (!response.ok) return answer(await response.text().catch(() => ''));
  const text = await response.text();
  // fetch hands over the body a turn before it returns the socket to its pool; without this
  // wait, the PUT that follows a GET at once opens a second connection to Kodexa.
  await setImmediate();
  return answer(text);
}
