// Vitest's global setup: however the tests are run (`npm test`, `npx vitest run <file>`), they test
// the bundle of the current sources, never a stale one or none.
import { buildIfStale } from '../../infra/build.ts';

export default async function setup(): Promise<void> {
  await buildIfStale();
}
