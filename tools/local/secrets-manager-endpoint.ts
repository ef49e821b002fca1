// A Secrets Manager endpoint on loopback speaking the service's JSON 1.1 protocol, enough for
// GetSecretValue. The real AWS SDK reaches it through AWS_ENDPOINT_URL_SECRETS_MANAGER.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerEndpoint {
  url: string;
  /** GetSecretValue calls answered so far, per secret name. */
  reads: Map<string, number>;
  setSecret(name: string, secretString: string): void;
  /** Answer every request this late, as a Secrets Manager that hangs would. */
  setDelay(ms: number): void;
  arnOf(name: string): string;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export async function startSecretsManagerEndpoint(
  secrets: Record<string, string> = {},
): Promise<SecretsManagerEndpoint> {
  const values = new Map(Object.entries(secrets));
  const versions = new Map<string, number>();
  const reads = new Map<string, number>();
  let delayMs = 0;
  // Secrets Manager ARNs end in a dash and six random characters.
  const arnOf = (name: string) =>
    `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
  const nameOf = (secretId: string) =>
    [...values.keys()].find((name) => secretId === name || secretId === arnOf(name));

  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (res.destroyed) return;
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return reply(400, {
        __type: 'UnknownOperationException',
        message: 'Only GetSecretValue is served here',
      });
    }
    const secretId = String((JSON.parse(body || '{}') as { SecretId?: unknown }).SecretId ?? '');
    const name = nameOf(secretId);
    if (name === undefined) {
      return reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    reads.set(name, (reads.get(name) ?? 0) + 1);
    reply(200, {
      ARN: arnOf(name),
      Name: name,
      SecretString: values.get(name),
      VersionId: `00000000-0000-4000-8000-${String(versions.get(name) ?? 0).padStart(12, '0')}`,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: Date.now() / 1000,
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reads,
    setSecret: (name, secretString) => {
      values.set(name, secretString);
      versions.set(name, (versions.get(name) ?? 0) + 1);
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    arnOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
