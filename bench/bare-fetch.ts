// The floor's wire work: a bare fetch GET of a slice and a PUT of it completed, which is all the
// function has to put on the wire, with nothing around it.
import { setImmediate } from 'node:timers/promises';

/** GETs the slice at sliceUrl and PUTs it back SUCCEEDED for lambdaRequestId. */
export async function bareGetAndPut(
  sliceUrl: string,
  apiKey: string,
  lambdaRequestId: string,
): Promise<void> {
  const headers = { accept: 'application/json', 'x-api-key': apiKey };
  const slice = await readJson(await fetch(sliceUrl, { headers }));
  await readJson(
    await fetch(sliceUrl, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...slice,
        status: 'SUCCEEDED',
        lambdaRequestId,
        completedAt: new Date().toISOString(),
      }),
    }),
  );
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  if (!response.ok) throw new Error(`bare fetch: ${response.status} ${await response.text()}`);
  const text = await response.text();
  // As the function does: let undici put the socket back in its pool before the next request,
  // so the floor too keeps to one connection.
  await setImmediate();
  return JSON.parse(text);
}
