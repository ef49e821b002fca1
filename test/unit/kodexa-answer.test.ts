import { describe, expect, it } from 'vitest';
import {
  type Answer,
  classifyAnswer,
  classifyFetchError,
  type Exchange,
} from '#functions/slice-completion/kodexa-answer.ts';

const BASE = 'https://kodexa.example.com';
const SLICE = '5e0f3c1a-7b2d-4c8e-9f6a-1d2e3f4a5b6c';
const KEY = 'kx-secret-key-1';

function exchange(fields: Partial<Exchange> = {}): Exchange {
  const method = fields.method ?? 'GET';
  return {
    method,
    request: `${method} ${BASE}/api/orchestrator-execution-slices/${SLICE}`,
    baseUrl: BASE,
    sliceId: SLICE,
    secretId: 'kodexa/api-key',
    apiKey: KEY,
    keyRefreshed: false,
    ...fields,
  };
}

function answer(status: number, fields: Partial<Answer> = {}): Answer {
  return { status, text: '', retryAfter: null, location: null, ...fields };
}

const REQUEST = exchange().request;
const PUT = exchange({ method: 'PUT' });

describe('classifyAnswer', () => {
  it.each([200, 201, 299])('takes the JSON object answered %i as the slice', (status) => {
    expect(
      classifyAnswer(answer(status, { text: '{"id":"s","changeSequence":3}' }), exchange()),
    ).toEqual({
      kind: 'slice',
      slice: { id: 's', changeSequence: 3 },
    });
  });

  it.each([
    ['an array', '[{"id":"s"}]', ': [{"id":"s"}]'],
    ['null', 'null', ': null'],
    ['a string', '"s"', ': "s"'],
    ['nothing', '', ''],
    ['blanks', ' \n', ''],
    ['HTML', '<html>\n  <p>sign in</p>\n</html>', ': <html> <p>sign in</p> </html>'],
  ])('refuses %s answered 200 to a GET as KodexaRequestRejected', (_, text, quoted) => {
    const outcome = classifyAnswer(answer(200, { text }), exchange());
    expect(outcome).toEqual({ kind: 'fail', error: expect.any(Error) });
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'KodexaRequestRejected',
      message: `${REQUEST}: Kodexa answered 200 without a JSON slice${quoted}`,
    });
  });

  it.each([
    [204, ''],
    [200, ' \n'],
  ])('takes a PUT answered %i with no slice as written', (status, text) => {
    expect(classifyAnswer(answer(status, { text }), PUT)).toEqual({ kind: 'slice', slice: {} });
  });

  it('refuses a PUT answered with a body that is not a slice', () => {
    const outcome = classifyAnswer(answer(200, { text: '[]' }), PUT);
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'KodexaRequestRejected',
      message: `${PUT.request}: Kodexa answered 200 without a JSON slice: []`,
    });
  });

  describe('a redirect', () => {
    const refused = (status: number, location: string | null) => {
      const outcome = classifyAnswer(answer(status, { location }), exchange());
      return outcome.kind === 'fail' ? outcome.error : outcome;
    };
    const message = (status: number, where: string) =>
      `${REQUEST}: Kodexa answered ${status} redirecting to ${where}; redirects are refused, because the API key goes only to KODEXA_URL's origin (${BASE}); set KODEXA_URL to the origin that serves the API`;

    it.each([300, 301, 307, 399])(
      'is a ConfigurationError (%i), naming the Location by scheme and host only',
      (status) => {
        expect(refused(status, 'http://other.example.com:8080/login?token=abc#x')).toMatchObject({
          name: 'ConfigurationError',
          message: message(status, 'http://other.example.com:8080'),
        });
      },
    );

    it('resolves a relative Location against KODEXA_URL', () => {
      expect(refused(302, '/login')).toMatchObject({ message: message(302, BASE) });
    });

    it.each([
      [null, 'no Location'],
      ['', 'no Location'],
      ['http://[::1', 'an unreadable Location'],
    ])('says so when the Location is %o', (location, where) => {
      expect(refused(308, location)).toMatchObject({
        name: 'ConfigurationError',
        message: message(308, where),
      });
    });
  });

  it.each([401, 403])('asks for the key to be read again after %i, once', (status) => {
    expect(classifyAnswer(answer(status), exchange())).toEqual({ kind: 'refreshKey' });
    const outcome = classifyAnswer(answer(status), exchange({ keyRefreshed: true }));
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'KodexaAuthError',
      message: `${REQUEST}: Kodexa answered ${status} to the API key from secret kodexa/api-key, also after re-reading the secret`,
    });
  });

  it('names the slice Kodexa does not have (404)', () => {
    const outcome = classifyAnswer(answer(404, { text: '{"error":"Not Found"}' }), exchange());
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'SliceNotFound',
      message: `slice ${SLICE} was not found in Kodexa (${REQUEST} answered 404)`,
    });
  });

  it.each([409, 412])('takes %i to a PUT as a conflict, and to a GET as a refusal', (status) => {
    expect(classifyAnswer(answer(status), PUT)).toEqual({ kind: 'conflict' });
    const outcome = classifyAnswer(answer(status, { text: 'changed' }), exchange());
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'KodexaRequestRejected',
      message: `${REQUEST}: Kodexa answered ${status}: changed`,
    });
  });

  it.each([429, 500, 503, 599])('retries %i, with its Retry-After and body', (status) => {
    expect(
      classifyAnswer(answer(status, { text: ' busy\n', retryAfter: '3' }), exchange()),
    ).toEqual({ kind: 'retry', failure: `HTTP ${status}: busy`, retryAfter: '3' });
    expect(classifyAnswer(answer(status), PUT)).toEqual({
      kind: 'retry',
      failure: `HTTP ${status}`,
      retryAfter: null,
    });
  });

  it.each([400, 405, 415, 428, 430, 499])('refuses %i, quoting the body', (status) => {
    const outcome = classifyAnswer(answer(status, { text: '{"error":"Bad"}' }), PUT);
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'KodexaRequestRejected',
      message: `${PUT.request}: Kodexa answered ${status}: {"error":"Bad"}`,
    });
  });

  it('quotes a body with the key redacted, on one line, at most 300 characters', () => {
    const text = `key ${KEY} refused;\n\t${'x'.repeat(400)}`;
    const outcome = classifyAnswer(answer(400, { text }), exchange());
    const quoted = `key [redacted] refused; ${'x'.repeat(400)}`;
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      message: `${REQUEST}: Kodexa answered 400: ${quoted.slice(0, 297)}...`,
    });
    const retried = classifyAnswer(answer(503, { text: KEY }), exchange());
    expect(retried).toMatchObject({ failure: 'HTTP 503: [redacted]' });
  });
});

describe('classifyFetchError', () => {
  const fetchError = (cause?: unknown) =>
    Object.assign(new TypeError('fetch failed'), cause === undefined ? {} : { cause });

  it('names the time waited when no answer came in time', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyFetchError(timeout, 740, BASE)).toEqual({
      kind: 'retry',
      failure: 'no response within 740 ms',
      retryAfter: null,
    });
  });

  it.each([
    [
      'a cause with a code',
      fetchError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9443'), { code: 'ECONNREFUSED' }),
      ),
      'connection failed (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:9443',
    ],
    [
      'a cause without a code',
      fetchError(new Error('other side closed')),
      'connection failed: other side closed',
    ],
    [
      'a cause that is no Error',
      fetchError({ code: 'EPIPE' }),
      'connection failed (EPIPE): fetch failed',
    ],
    ['no cause', fetchError(), 'connection failed: fetch failed'],
    ['an Error without a message', new Error(''), 'connection failed'],
    ['no Error', 'reset', 'connection failed'],
  ])('retries a connection that failed, with %s', (_, error, failure) => {
    expect(classifyFetchError(error, 1000, BASE)).toEqual({
      kind: 'retry',
      failure,
      retryAfter: null,
    });
  });

  it('is a ConfigurationError, not retried, when fetch refuses the port', () => {
    const outcome = classifyFetchError(
      fetchError(new Error('bad port')),
      1000,
      'http://127.0.0.1:9',
    );
    expect(outcome.kind === 'fail' && outcome.error).toMatchObject({
      name: 'ConfigurationError',
      message: 'KODEXA_URL http://127.0.0.1:9: fetch refuses its port ("bad port")',
    });
  });
});
