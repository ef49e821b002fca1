import { spawnSync } from 'node:child_process';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { readContext } from '../../infra/context.ts';
import { root } from '../../infra/paths.ts';

const required = { kodexaUrl: 'https://platform.kodexa.ai', apiKeySecretName: 'kodexa/api-key' };
const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kodexa/api-key-AbCdEf';
const pipelineA = 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline-a';
const pipelineB = 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline-b';

const read = (context: Record<string, unknown>) => readContext(new App({ context }).node);

describe('readContext', () => {
  it('needs only kodexaUrl and the secret, leaving the rest to the construct defaults', () => {
    expect(read(required)).toEqual({
      kodexaUrl: 'https://platform.kodexa.ai',
      apiKeySecret: { name: 'kodexa/api-key' },
      schemaRegistryName: 'kodexa-pipeline',
    });
  });

  it('creates no schema registry with schemaRegistryName=none', () => {
    expect(read({ ...required, schemaRegistryName: 'none' }).schemaRegistryName).toBeUndefined();
  });

  it('reads every key from -c strings', () => {
    expect(
      read({
        kodexaUrl: 'https://platform.kodexa.ai',
        apiKeySecretArn: secretArn,
        eventBusName: 'kodexa',
        completionEventSources: 'kodexa.pipeline, acme.pipeline',
        pipelineFunctionArns: `${pipelineA},${pipelineB}:live`,
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
        reservedConcurrency: '5',
        maxConcurrency: '4',
        batchSize: '5',
        maxBatchingWindowSeconds: '2',
        schemaRegistryName: 'acme-pipelines',
      }),
    ).toEqual({
      kodexaUrl: 'https://platform.kodexa.ai',
      apiKeySecret: { arn: secretArn },
      eventBusName: 'kodexa',
      completionEventSources: ['kodexa.pipeline', 'acme.pipeline'],
      pipelineFunctionArns: [pipelineA, `${pipelineB}:live`],
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      reservedConcurrency: 5,
      maxConcurrency: 4,
      batchSize: 5,
      maxBatchingWindowSeconds: 2,
      schemaRegistryName: 'acme-pipelines',
    });
  });

  it('reads the JSON types cdk.json allows the same way', () => {
    expect(
      read({
        ...required,
        pipelineFunctionArns: [pipelineA, pipelineB],
        reservedConcurrency: 5,
        maxConcurrency: 2,
        batchSize: 10,
        maxBatchingWindowSeconds: 0,
      }),
    ).toMatchObject({
      pipelineFunctionArns: [pipelineA, pipelineB],
      reservedConcurrency: 5,
      maxConcurrency: 2,
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
    });
  });

  it('takes the mapping settings at the ends of their ranges', () => {
    expect(
      read({
        ...required,
        maxConcurrency: '1000',
        batchSize: '1',
        maxBatchingWindowSeconds: '300',
      }),
    ).toMatchObject({ maxConcurrency: 1000, batchSize: 1, maxBatchingWindowSeconds: 300 });
    expect(
      read({ ...required, reservedConcurrency: '1000', maxConcurrency: '1000' }),
    ).toMatchObject({ reservedConcurrency: 1000, maxConcurrency: 1000 });
  });

  it('takes a kodexaUrl on a port fetch connects to', () => {
    expect(read({ ...required, kodexaUrl: 'https://platform.kodexa.ai:8443' })).toMatchObject({
      kodexaUrl: 'https://platform.kodexa.ai:8443',
    });
  });

  it('treats empty values as not given', () => {
    expect(
      read({
        ...required,
        eventBusName: ' ',
        completionEventSources: ',',
        pipelineFunctionArns: '',
      }),
    ).toEqual(read(required));
  });

  it.each([
    [{ apiKeySecretName: 'kodexa/api-key' }, 'kodexaUrl is required'],
    [
      { kodexaUrl: 'https://platform.kodexa.ai' },
      'apiKeySecretName or apiKeySecretArn is required',
    ],
    [{ ...required, apiKeySecretArn: secretArn }, 'give only one of apiKeySecretName and'],
    [{ ...required, kodexaUrl: 'http://platform.kodexa.ai' }, 'kodexaUrl must be an https URL'],
    [{ ...required, kodexaUrl: 'platform.kodexa.ai' }, 'kodexaUrl must be an https URL'],
    [{ ...required, kodexaUrl: 'https://platform.kodexa.ai/?key=1' }, 'without credentials, query'],
    [
      { ...required, kodexaUrl: 'https://platform.kodexa.ai/api/' },
      `kodexaUrl must be the platform's base URL without /api, as the function adds /api/... to every request: drop /api, got "https://platform.kodexa.ai/api/"`,
    ],
    [
      { kodexaUrl: 'https://platform.kodexa.ai', apiKeySecretArn: secretArn.slice(0, -7) },
      'apiKeySecretArn must be the complete ARN',
    ],
    [
      { ...required, pipelineFunctionArns: `${pipelineA},pipeline-b` },
      'pipelineFunctionArns must list Lambda function ARNs (arn:aws:lambda:<region>:<account>:function:<name>), got "pipeline-b"',
    ],
    [{ ...required, alarmTopicArn: 'ops' }, 'alarmTopicArn must be an SNS topic ARN'],
    [{ ...required, reservedConcurrency: '0' }, 'reservedConcurrency must be an integer >= 1'],
    [{ ...required, reservedConcurrency: 'five' }, 'reservedConcurrency must be an integer >= 1'],
    [
      { ...required, maxConcurrency: '1' },
      'maxConcurrency must be an integer from 2 to 1000, got "1"',
    ],
    [
      { ...required, maxConcurrency: '1001' },
      'maxConcurrency must be an integer from 2 to 1000, got "1001"',
    ],
    [{ ...required, batchSize: '0' }, 'batchSize must be an integer from 1 to 10, got "0"'],
    [{ ...required, batchSize: '11' }, 'batchSize must be an integer from 1 to 10, got "11"'],
    [{ ...required, batchSize: '2.5' }, 'batchSize must be an integer from 1 to 10, got "2.5"'],
    [
      { ...required, maxBatchingWindowSeconds: '301' },
      'maxBatchingWindowSeconds must be an integer from 0 to 300 (seconds), got "301"',
    ],
    [
      { ...required, maxBatchingWindowSeconds: '5s' },
      'maxBatchingWindowSeconds must be an integer from 0 to 300 (seconds), got "5s"',
    ],
    [
      { ...required, reservedConcurrency: '4' },
      'reservedConcurrency (4) must be at least maxConcurrency (5, its default): the buffer',
    ],
    [
      { ...required, reservedConcurrency: '9', maxConcurrency: '10' },
      'reservedConcurrency (9) must be at least maxConcurrency (10): the buffer',
    ],
    [{ ...required, schemaRegistryName: 'kodexa pipeline' }, 'schemaRegistryName must be up to 64'],
    [
      { ...required, kodexaUrl: 'https://platform.kodexa.ai:9' },
      'kodexaUrl has port 9, which fetch refuses to connect to',
    ],
    [{ ...required, eventBusName: 'bad name!' }, 'eventBusName must be an event bus name'],
    [{ ...required, schemaRegistryName: 'x'.repeat(65) }, 'schemaRegistryName must be up to 64'],
    [{ ...required, stage: 'prod_1' }, 'stage must be a letter followed by up to 19'],
    [{ ...required, stage: '1prod' }, 'stage must be a letter followed by up to 19'],
    [{ ...required, stage: `s${'x'.repeat(20)}` }, 'stage must be a letter followed by up to 19'],
    [{ ...required, alarmEmail: 'ops' }, 'alarmEmail must be an email address, got "ops"'],
    [{ ...required, alarmEmail: 'ops@example' }, 'alarmEmail must be an email address'],
    [
      { ...required, memorySize: '127' },
      'memorySize must be an integer from 128 to 10240 (MB), got "127"',
    ],
    [{ ...required, memorySize: '10241' }, 'memorySize must be an integer from 128 to 10240'],
    [{ ...required, memorySize: '256.5' }, 'memorySize must be an integer from 128 to 10240'],
    [{ ...required, memorySize: '1GB' }, 'memorySize must be an integer from 128 to 10240'],
  ])('refuses %j: %s', (context, message) => {
    expect(() => read(context)).toThrow(message);
  });

  it('reads completionLagAlarmMs, the CompletionLag p99 alarm threshold, and refuses a non-integer', () => {
    expect(read({ ...required, completionLagAlarmMs: '60000' })).toMatchObject({
      completionLagAlarmMs: 60_000,
    });
    expect(read({ ...required, completionLagAlarmMs: 60_000 })).toMatchObject({
      completionLagAlarmMs: 60_000,
    });
    for (const value of ['0', '1.5', '1m']) {
      expect(() => read({ ...required, completionLagAlarmMs: value })).toThrow(
        `completionLagAlarmMs must be an integer >= 1 (milliseconds), got "${value}"`,
      );
    }
  });

  it('reads stage, alarmEmail and memorySize, and gives the default schema registry the stage', () => {
    expect(
      read({ ...required, stage: 'staging', alarmEmail: 'ops@example.com', memorySize: '128' }),
    ).toEqual({
      ...read(required),
      stage: 'staging',
      alarmEmail: 'ops@example.com',
      memorySize: 128,
      schemaRegistryName: 'kodexa-pipeline-staging',
    });
    expect(read({ ...required, memorySize: 10_240 }).memorySize).toBe(10_240);
    // A registry named on purpose keeps its name.
    expect(
      read({ ...required, stage: 'staging', schemaRegistryName: 'acme' }).schemaRegistryName,
    ).toBe('acme');
  });

  it('names every problem at once', () => {
    expect(() => read({ reservedConcurrency: '-1', batchSize: '20' })).toThrow(
      [
        'Invalid CDK context for the slice-completion stack:',
        '- kodexaUrl is required: the Kodexa platform base URL, e.g. -c kodexaUrl=https://platform.kodexa.ai',
        '- apiKeySecretName or apiKeySecretArn is required: the existing Secrets Manager secret holding the Kodexa API key, e.g. -c apiKeySecretName=kodexa/api-key',
        '- reservedConcurrency must be an integer >= 1, got "-1"',
        '- batchSize must be an integer from 1 to 10, got "20"',
      ].join('\n'),
    );
  });

  it('leaves reservedConcurrency unchecked against a maxConcurrency that is itself wrong', () => {
    expect(() => read({ ...required, reservedConcurrency: '3', maxConcurrency: '0' })).toThrow(
      /^Invalid CDK context for the slice-completion stack:\n- maxConcurrency must be an integer from 2 to 1000, got "0"$/,
    );
  });
});

describe('synth without the required context', () => {
  it('fails in the app, before anything is built', () => {
    expect(() => createApp({ context: { apiKeySecretName: 'kodexa/api-key' } })).toThrow(
      'kodexaUrl is required',
    );
    expect(() => createApp({ context: { kodexaUrl: 'https://platform.kodexa.ai' } })).toThrow(
      'apiKeySecretName or apiKeySecretArn is required',
    );
  });

  // Also proves cdk.json's `node infra/app.ts` loads: Node 24 strips the types natively and links
  // every named import (aws-cdk-lib and cdk-nag are CommonJS) before the app runs.
  it('fails `node infra/app.ts`, as the CLI runs it, with the message naming the key', () => {
    const { status, stderr } = spawnSync(`${root}node_modules/.bin/node`, ['infra/app.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        CDK_CONTEXT_JSON: JSON.stringify({ apiKeySecretName: 'kodexa/api-key' }),
      },
    });
    expect(status).not.toBe(0);
    expect(stderr).toContain('kodexaUrl is required');
    expect(stderr).not.toContain('apiKeySecretName or apiKeySecretArn is required');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
