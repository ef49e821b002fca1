// One measured process: a container's whole first invocation, from importing the code to the
// slice written (import, secret read, GET, PUT). `ours` runs the bundle's handler; `floor` does
// the same with the bare SDK client bundle and fetch. bench/children.ts starts it with the
// servers' environment and `<ours|floor> <bundle path> <sliceId>`; it sends back the milliseconds
// over IPC. Everything this file imports itself is loaded before the clock starts.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Handler } from '../tools/local/lambda-runtime.ts';
import { lambdaContext } from '../tools/local/lambda-runtime.ts';
import { bareGetAndPut } from './bare-fetch.ts';

const [variant, bundlePath, sliceId] = process.argv.slice(2);
if ((variant !== 'ours' && variant !== 'floor') || !bundlePath || !sliceId) {
  throw new Error('usage: first-invocation.ts <ours|floor> <bundle path> <sliceId>');
}
const bundleUrl = pathToFileURL(bundlePath).href;
const lambdaRequestId = randomUUID();
const context = lambdaContext();

async function ours(): Promise<void> {
  const { handler } = (await import(bundleUrl)) as { handler: Handler };
  await handler({ sliceId, lambdaRequestId, completedAt: new Date().toISOString() }, context);
}

async function floor(): Promise<void> {
  const { SecretsManagerClient, GetSecretValueCommand } = (await import(
    bundleUrl
  )) as typeof import('@aws-sdk/client-secrets-manager');
  const secret = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: process.env.KODEXA_API_KEY_SECRET_ID }),
  );
  const { apiKey } = JSON.parse(secret.SecretString ?? '{}') as { apiKey: string };
  const url = `${process.env.KODEXA_URL}/api/orchestrator-execution-slices/${sliceId}`;
  await bareGetAndPut(url, apiKey, lambdaRequestId);
}

const started = performance.now();
await (variant === 'ours' ? ours() : floor());
const elapsedMs = performance.now() - started;
if (!process.send) throw new Error('start with an IPC channel: the result goes back over it');
// Exit at once: fetch's pooled keep-alive connection would hold the process open.
process.send(elapsedMs, () => process.exit(0));
