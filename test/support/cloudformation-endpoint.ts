// CloudFormation's DescribeStacks on loopback, over the service's query protocol (form-encoded
// request, XML answer), for stacks given by their outputs. The real AWS SDK reaches it through
// AWS_ENDPOINT_URL_CLOUDFORMATION.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CloudFormationEndpoint {
  url: string;
  close(): Promise<void>;
}

const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export async function startCloudFormationEndpoint(
  stacks: Record<string, Record<string, string>>,
): Promise<CloudFormationEndpoint> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    const refuse = (status: number, code: string, message: string) =>
      reply(
        status,
        `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code>` +
          `<Message>${xml(message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
      );

    if (form.get('Action') !== 'DescribeStacks') {
      return refuse(400, 'InvalidAction', `${form.get('Action')} is not served here`);
    }
    const name = form.get('StackName') ?? '';
    const outputs = stacks[name];
    if (!outputs) return refuse(400, 'ValidationError', `Stack with id ${name} does not exist`);
    const members = Object.entries(outputs)
      .map(
        ([key, value]) =>
          `<member><OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue></member>`,
      )
      .join('');
    reply(
      200,
      `<DescribeStacksResponse xmlns="${NAMESPACE}"><DescribeStacksResult><Stacks><member>` +
        `<StackName>${xml(name)}</StackName>` +
        `<StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${xml(name)}/00000000-0000-4000-8000-000000000000</StackId>` +
        `<CreationTime>2026-11-28T09:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
        `<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult>` +
        `<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function xml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}
