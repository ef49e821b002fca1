// What the burst runs under, read from the stack's template as `cdk deploy` would deploy it with
// no optional context: the template is what AWS runs, so the burst honours it rather than
// constants copied from the construct.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../infra/app.ts';
import { root } from '../infra/paths.ts';

export interface StackSettings {
  memorySizeMb: number;
  functionTimeoutSeconds: number;
  architecture: string;
  /** Lambda's retries of a failed asynchronous invocation (the direct path). */
  asyncRetryAttempts: number;
  /** The buffer's event source mapping. */
  maximumConcurrency: number;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  /** The buffer. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

type Resource = { Properties: Record<string, unknown> };

export function stackSettings(): StackSettings {
  // The feature flags in cdk.json, as `cdk synth` applies them, and only the required context.
  const { context: featureFlags } = JSON.parse(readFileSync(`${root}cdk.json`, 'utf8'));
  const outdir = mkdtempSync(join(tmpdir(), 'slice-completion-bench-'));
  try {
    const app = createApp({
      context: {
        ...featureFlags,
        kodexaUrl: 'https://platform.kodexa.ai',
        apiKeySecretName: 'kodexa/api-key',
      },
      outdir,
    });
    const stack = app.node.children.find((child) => child instanceof Stack) as Stack;
    const template = Template.fromStack(stack);
    const only = (type: string, props: Record<string, unknown> = {}): Resource => {
      const found = Object.values(template.findResources(type, { Properties: props }));
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0] as Resource;
    };
    const fn = only('AWS::Lambda::Function', { Handler: 'index.handler' }).Properties;
    const mapping = only('AWS::Lambda::EventSourceMapping').Properties;
    const invokeConfig = only('AWS::Lambda::EventInvokeConfig').Properties;
    const buffers = Object.values(template.findResources('AWS::SQS::Queue')).filter(
      (queue) => (queue as Resource).Properties.RedrivePolicy,
    ) as Resource[];
    if (buffers.length !== 1) throw new Error('expected one queue with a redrive policy');
    const buffer = (buffers[0] as Resource).Properties;
    return {
      memorySizeMb: Number(fn.MemorySize),
      functionTimeoutSeconds: Number(fn.Timeout),
      architecture: String((fn.Architectures as string[])[0]),
      asyncRetryAttempts: Number(invokeConfig.MaximumRetryAttempts),
      maximumConcurrency: Number(
        (mapping.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency,
      ),
      batchSize: Number(mapping.BatchSize),
      // Absent when there is no window.
      maximumBatchingWindowSeconds: Number(mapping.MaximumBatchingWindowInSeconds ?? 0),
      visibilityTimeoutSeconds: Number(buffer.VisibilityTimeout),
      maxReceiveCount: Number(
        (buffer.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
      ),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
