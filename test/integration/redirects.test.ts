// The API key goes to KODEXA_URL's origin and nowhere else: the built bundle, answered with a
// redirect by the Kodexa emulator, must send nothing to where the redirect points.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Fault,
  type KodexaEmulator,
  type Slice,
  startKodexaEmulator,
} from '#tools/local/kodexa-emulator.ts';
import { type Handler, lambdaContext, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';
import { captureOutput } from '../support/capture-output.ts';
import { localhostTls, trustLocalhost } from '../support/localhost-tls.ts';

type Redirect = Extract<Fault, { redirect: number }>['redirect'];

/** Another origin on loopback, recording every request it receives. */
const elsewhere = { requests: [] as { method?: string; url?: string; headers: object }[], port: 0 };
const elsewhereServer = createServer((req, res) => {
  elsewhere.requests.push({ method: req.method, url: req.url, headers: req.headers });
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});

let services: LocalServices;
/** Kodexa over https, with the key and secret of `services`. */
let secureKodexa: KodexaEmulator;
const bundles: Record<'http' | 'https', Handler | undefined> = {
  http: undefined,
  https: undefined,
};
captureOutput();

beforeAll(async () => {
  trustLocalhost();
  await new Promise<void>((resolve) => elsewhereServer.listen(0, '127.0.0.1', resolve));
  elsewhere.port = (elsewhereServer.address() as AddressInfo).port;
  services = await startLocalServices({ slices: [] });
  secureKodexa = await startKodexaEmulator({ apiKey: services.kodexa.apiKey, tls: localhostTls });
});
afterAll(async () => {
  elsewhereServer.closeAllConnections();
  await Promise.all([
    services.close(),
    secureKodexa.close(),
    new Promise((resolve) => elsewhereServer.close(resolve)),
  ]);
});
afterEach(() => {
  services.kodexa.clearFaults();
  secureKodexa.clearFaults();
});

/** The bundle with KODEXA_URL at the http or the https emulator: a container each. */
async function bundleFor(scheme: 'http' | 'https'): Promise<Handler> {
  const kodexa = scheme === 'https' ? secureKodexa : services.kodexa;
  Object.assign(process.env, services.env, {
    KODEXA_URL: kodexa.url,
    KODEXA_REQUEST_TIMEOUT_MS: '1000',
  });
  bundles[scheme] ??= await loadBundle();
  return bundles[scheme];
}

const kodexaPort = (kodexa: KodexaEmulator) => new URL(kodexa.url).port;

// Each Location is another origin than KODEXA_URL's, where a followed redirect would be recorded:
// the other server, or the emulator itself under another host name.
const cases: {
  name: string;
  scheme: 'http' | 'https';
  location(kodexa: KodexaEmulator): string;
  status: Redirect;
}[] = [
  {
    name: 'another port',
    scheme: 'http',
    location: () => `http://127.0.0.1:${elsewhere.port}/api/stolen`,
    status: 307,
  },
  {
    name: 'localhost for 127.0.0.1',
    scheme: 'http',
    location: (kodexa) =>
      `http://localhost:${kodexaPort(kodexa)}/api/orchestrator-execution-slices/x`,
    status: 308,
  },
  {
    name: 'https to http on another port',
    scheme: 'https',
    location: () => `http://localhost:${elsewhere.port}/api/stolen`,
    status: 301,
  },
];

describe.each(cases)('a redirect to $name', ({ scheme, location, status }) => {
  const kodexa = () => (scheme === 'https' ? secureKodexa : services.kodexa);

  function seedSlice(): Slice {
    const slice: Slice = { id: randomUUID(), changeSequence: 3, status: 'RUNNING' };
    kodexa().slices.set(slice.id, structuredClone(slice));
    return slice;
  }

  async function refused(method: 'GET' | 'PUT') {
    const handler = await bundleFor(scheme);
    const slice = seedSlice();
    const target = location(kodexa());
    const before = { elsewhere: elsewhere.requests.length, kodexa: kodexa().requests.length };
    kodexa().inject({ method, redirect: status, location: target });
    const error = await handler({ sliceId: slice.id, lambdaRequestId: 'r' }, lambdaContext()).then(
      () => new Error('the invocation succeeded'),
      (e: Error) => e,
    );
    return {
      slice,
      error,
      target: new URL(target),
      toElsewhere: elsewhere.requests.slice(before.elsewhere),
      toKodexa: kodexa()
        .requests.slice(before.kodexa)
        .map((r) => `${r.method} ${r.path} ${r.status}`),
    };
  }

  it.each(['GET', 'PUT'] as const)(
    `ends a redirected ${scheme} %s in ConfigurationError after one request, sending nothing to the other origin`,
    async (method) => {
      const { slice, error, target, toElsewhere, toKodexa } = await refused(method);
      const path = `/api/orchestrator-execution-slices/${slice.id}`;

      expect(toElsewhere).toEqual([]);
      // KODEXA_URL is wrong for every completion: a setting to fix, not this completion's fault.
      expect(error.name).toBe('ConfigurationError');
      expect(error.message).toBe(
        `${method} ${kodexa().url}${path}: Kodexa answered ${status} redirecting to ` +
          `http://${target.host}; redirects are refused, because the API key goes only to ` +
          `KODEXA_URL's origin (${kodexa().url}); set KODEXA_URL to the origin that serves the API`,
      );
      expect(error.message).not.toContain(kodexa().apiKey);
      expect(toKodexa).toEqual(
        method === 'GET' ? [`GET ${path} ${status}`] : [`GET ${path} 200`, `PUT ${path} ${status}`],
      );
      expect(kodexa().slices.get(slice.id)).toEqual(slice);
    },
  );
});
