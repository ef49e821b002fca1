// The built bundle as one container that a test file's tests share, against local services
// started for the file: loaded before its tests, the services closed after them.
import { afterAll, beforeAll } from 'vitest';
import { type Handler, loadBundle } from '#tools/local/lambda-runtime.ts';
import { type LocalServices, startLocalServices } from '#tools/local/local-services.ts';

export interface LoadedBundle {
  services: LocalServices;
  handler: Handler;
}

/** Read its fields in tests (they are set before the first runs), with `env` on the services' own. */
export function loadedBundle(env: Record<string, string> = {}): LoadedBundle {
  const loaded = {} as LoadedBundle;
  beforeAll(async () => {
    loaded.services = await startLocalServices();
    Object.assign(process.env, loaded.services.env, env);
    loaded.handler = await loadBundle();
  });
  afterAll(() => loaded.services.close());
  return loaded;
}
