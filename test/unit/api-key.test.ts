import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyFromSecret, apiKeyIn } from '#functions/slice-completion/api-key.ts';
import {
  type SecretsManagerEndpoint,
  startSecretsManagerEndpoint,
} from '#tools/local/secrets-manager-endpoint.ts';
import { thrownBy } from '../support/thrown-by.ts';

const secret = 'sample-key-value';

describe('apiKeyIn', () => {
  it.each([
    ['a raw key', secret],
    ['a raw key with a trailing newline', `${secret}\n`],
    ['JSON with apiKey', JSON.stringify({ apiKey: secret, note: 'other fields are ignored' })],
    ['JSON with apiKey in spaces', JSON.stringify({ apiKey: ` ${secret}\n` })],
  ])('takes %s', (_, secretString) => {
    expect(apiKeyIn(secretString, 'kodexa/api-key')).toBe(secret);
  });

  it.each([
    ['an empty string', '', 'secret kodexa/api-key is empty'],
    ['a binary secret', new Uint8Array([1]), 'has an empty SecretString or none'],
    ['JSON without apiKey', JSON.stringify({ key: secret }), 'without a non-empty string "apiKey"'],
    ['JSON with a blank apiKey', JSON.stringify({ apiKey: ' ' }), 'without a non-empty string'],
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

describe('apiKeyFromSecret', () => {
  let endpoint: SecretsManagerEndpoint;
  beforeAll(async () => {
    endpoint = await startSecretsManagerEndpoint({ 'kodexa/api-key': secret });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });
  afterAll(() => endpoint.close());

  it('reads the secret once while cached, and again when asked to refresh', async () => {
    const apiKey = apiKeyFromSecret('kodexa/api-key', 300, 1000);
    expect([await apiKey(), await apiKey()]).toEqual([secret, secret]);
    expect(endpoint.reads.get('kodexa/api-key')).toBe(1);
    endpoint.setSecret('kodexa/api-key', JSON.stringify({ apiKey: 'rotated-key' }));
    expect(await apiKey()).toBe(secret);
    expect(await apiKey({ refresh: true })).toBe('rotated-key');
    expect(endpoint.reads.get('kodexa/api-key')).toBe(2);
  });

  it('fails with ApiKeyUnavailable naming the secret, with the SDK`s error as its cause', async () => {
    const error = await apiKeyFromSecret('kodexa/missing', 300, 1000)().catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'ApiKeyUnavailable',
      message: expect.stringMatching(
        /^could not read the Kodexa API key from secret kodexa\/missing: ResourceNotFoundException: /,
      ),
      cause: expect.objectContaining({ name: 'ResourceNotFoundException' }),
    });
  });
});
