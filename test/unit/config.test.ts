import { describe, expect, it } from 'vitest';
import { readBufferConfig, readConfig } from '#functions/slice-completion/config.ts';
import { thrownBy } from '../support/thrown-by.ts';

const required = {
  KODEXA_URL: 'https://platform.kodexa.ai/',
  KODEXA_API_KEY_SECRET_ID: 'kodexa/api-key',
};

describe('readConfig', () => {
  it('applies the defaults and trims a trailing slash', () => {
    expect(readConfig(required)).toEqual({
      kodexaUrl: 'https://platform.kodexa.ai',
      apiKeySecretId: 'kodexa/api-key',
      apiKeyCacheSeconds: 300,
      requestTimeoutMs: 5000,
      statuses: { succeeded: 'SUCCEEDED', failed: 'FAILED' },
    });
  });

  it('reads every optional variable', () => {
    expect(
      readConfig({
        ...required,
        KODEXA_URL: 'https://kodexa.example.com/base/',
        KODEXA_API_KEY_CACHE_SECONDS: '60',
        KODEXA_REQUEST_TIMEOUT_MS: '2500',
        SLICE_SUCCEEDED_STATUS: 'DONE',
        SLICE_FAILED_STATUS: 'ERROR',
      }),
    ).toEqual({
      kodexaUrl: 'https://kodexa.example.com/base',
      apiKeySecretId: 'kodexa/api-key',
      apiKeyCacheSeconds: 60,
      requestTimeoutMs: 2500,
      statuses: { succeeded: 'DONE', failed: 'ERROR' },
    });
  });

  it.each([
    'http://localhost:8080',
    'http://127.0.0.1:9',
    'http://127.10.200.30:8080',
    'http://[::1]:3000',
  ])('allows plain http to %s', (url) => {
    expect(readConfig({ ...required, KODEXA_URL: url }).kodexaUrl).toBe(url);
  });

  it.each([
    'https://kodexa.example.com/apis',
    'https://kodexa.example.com/api/base',
    'https://kodexa.example.com/my-api',
  ])('takes a path that only looks like /api: %s', (url) => {
    expect(readConfig({ ...required, KODEXA_URL: url }).kodexaUrl).toBe(url);
  });

  it('trims every trailing slash of KODEXA_URL, and spaces around every variable', () => {
    expect(
      readConfig({
        KODEXA_URL: ' https://kodexa.example.com/base// ',
        KODEXA_API_KEY_SECRET_ID: ' kodexa/api-key ',
        SLICE_SUCCEEDED_STATUS: ' DONE ',
      }),
    ).toMatchObject({
      kodexaUrl: 'https://kodexa.example.com/base',
      apiKeySecretId: 'kodexa/api-key',
      statuses: { succeeded: 'DONE' },
    });
  });

  it('takes each integer at its minimum', () => {
    expect(
      readConfig({
        ...required,
        KODEXA_API_KEY_CACHE_SECONDS: '0',
        KODEXA_REQUEST_TIMEOUT_MS: '1',
      }),
    ).toMatchObject({ apiKeyCacheSeconds: 0, requestTimeoutMs: 1 });
  });

  const https = 'KODEXA_URL must use https (plain http is allowed only for loopback hosts)';
  const extras = 'KODEXA_URL must not carry credentials, a query or a fragment';
  it.each([
    [{}, 'KODEXA_URL is required; KODEXA_API_KEY_SECRET_ID is required'],
    [
      { ...required, KODEXA_URL: 'platform.kodexa.ai' },
      'KODEXA_URL must be an absolute URL such as https://platform.kodexa.ai',
    ],
    [{ ...required, KODEXA_URL: 'http://platform.kodexa.ai' }, https],
    [{ ...required, KODEXA_URL: 'http://127.0.0.1.evil.example' }, https],
    [{ ...required, KODEXA_URL: 'http://notlocalhost:8080' }, https],
    [{ ...required, KODEXA_URL: 'ftp://localhost' }, https],
    [{ ...required, KODEXA_URL: 'https://user:pw@platform.kodexa.ai' }, extras],
    [{ ...required, KODEXA_URL: 'https://user@platform.kodexa.ai' }, extras],
    [{ ...required, KODEXA_URL: 'https://:pw@platform.kodexa.ai' }, extras],
    [{ ...required, KODEXA_URL: 'https://platform.kodexa.ai/?tenant=a' }, extras],
    [{ ...required, KODEXA_URL: 'https://platform.kodexa.ai/#top' }, extras],
    [
      { KODEXA_URL: 'http://kodexa.example.com?x=1', KODEXA_API_KEY_SECRET_ID: 'k' },
      `${https}; ${extras}`,
    ],
    [
      { ...required, KODEXA_URL: 'https://platform.kodexa.ai/api/' },
      "KODEXA_URL must be the platform's base URL without /api, as every request adds /api/...: drop /api from https://platform.kodexa.ai/api",
    ],
    [
      { ...required, KODEXA_URL: 'https://kodexa.example.com/base/API' },
      "KODEXA_URL must be the platform's base URL without /api, as every request adds /api/...: drop /api from https://kodexa.example.com/base/API",
    ],
    [
      { ...required, KODEXA_API_KEY_CACHE_SECONDS: '-1' },
      'KODEXA_API_KEY_CACHE_SECONDS must be an integer >= 0, got "-1"',
    ],
    [
      { ...required, KODEXA_REQUEST_TIMEOUT_MS: '0' },
      'KODEXA_REQUEST_TIMEOUT_MS must be an integer >= 1, got "0"',
    ],
    [
      { ...required, KODEXA_REQUEST_TIMEOUT_MS: ' 1.5 ' },
      'KODEXA_REQUEST_TIMEOUT_MS must be an integer >= 1, got "1.5"',
    ],
  ])('%o fails naming the variable', (env, message) => {
    const thrown = thrownBy(() => readConfig(env));
    expect(thrown).toMatchObject({ name: 'ConfigurationError', message });
  });
});

describe('readBufferConfig', () => {
  const buffer = {
    BUFFER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/SliceCompletion-Buffer',
    BUFFER_DEAD_LETTER_QUEUE_URL:
      'https://sqs.eu-west-1.amazonaws.com/123456789012/SliceCompletion-BufferDeadLetterQueue',
    BUFFER_MAX_RECEIVE_COUNT: ' 20 ',
  };

  it('reads the buffer, its dead-letter queue and its maxReceiveCount', () => {
    expect(readBufferConfig(buffer)).toEqual({
      queueUrl: buffer.BUFFER_QUEUE_URL,
      deadLetterQueueUrl: buffer.BUFFER_DEAD_LETTER_QUEUE_URL,
      maxReceiveCount: 20,
    });
  });

  it.each([
    [
      {},
      [
        'BUFFER_QUEUE_URL is required',
        'BUFFER_DEAD_LETTER_QUEUE_URL is required',
        'BUFFER_MAX_RECEIVE_COUNT is required',
      ],
    ],
    [
      { ...buffer, BUFFER_QUEUE_URL: 'SliceCompletion-Buffer' },
      ['BUFFER_QUEUE_URL must be a queue URL'],
    ],
    [
      { ...buffer, BUFFER_DEAD_LETTER_QUEUE_URL: ' ' },
      ['BUFFER_DEAD_LETTER_QUEUE_URL is required'],
    ],
    [
      { ...buffer, BUFFER_MAX_RECEIVE_COUNT: '0' },
      ['BUFFER_MAX_RECEIVE_COUNT must be an integer >= 1, got "0"'],
    ],
    [
      { ...buffer, BUFFER_MAX_RECEIVE_COUNT: 'ten' },
      ['BUFFER_MAX_RECEIVE_COUNT must be an integer >= 1, got "ten"'],
    ],
  ])('%o fails naming the variable', (env, messages) => {
    const thrown = thrownBy(() => readBufferConfig(env));
    expect(thrown).toMatchObject({ name: 'ConfigurationError' });
    for (const message of messages) expect(thrown.message).toContain(message);
  });

  it('is not needed by readConfig', () => {
    expect(() => readConfig(required)).not.toThrow();
  });
});
