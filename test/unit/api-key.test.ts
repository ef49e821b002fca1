import { describe, expect, it } from 'vitest';
import { apiKeyIn } from '#functions/slice-completion/api-key.ts';
import { thrownBy } from '../support/thrown-by.ts';

const secret = 'sample-key-value';

describe('apiKeyIn', () => {
  it.each([
    ['a raw key', secret],
    ['a raw key with a trailing newline', `${secret}\n`],
    ['JSON with apiKey', JSON.stringify({ apiKey: secret, note: 'other fields are ignored' })],
  ])('takes %s', (_, secretString) => {
    expect(apiKeyIn(secretString, 'kodexa/api-key')).toBe(secret);
  });

  it.each([
    ['an empty string', '', 'secret kodexa/api-key is empty'],
    ['a binary secret', new Uint8Array([1]), 'has an empty SecretString or none'],
    ['JSON without apiKey', JSON.stringify({ key: secret }), 'without a non-empty string "apiKey"'],
    [
      'JSON with a non-string apiKey',
      JSON.stringify({ apiKey: 42 }),
      'without a non-empty string "apiKey"',
    ],
    ['broken JSON', `{"apiKey": "${secret}"`, 'starts with "{" but is not valid JSON'],
  ])('refuses %s with ApiKeyUnavailable, never quoting the value', (_, secretString, message) => {
    const thrown = thrownBy(() => apiKeyIn(secretString, 'kodexa/api-key'));
    expect(thrown).toMatchObject({ name: 'ApiKeyUnavailable' });
    expect(thrown.message).toContain(message);
    expect(thrown.message).not.toContain(secret);
  });
});
