import { ensureRuntimeClient } from './runtime-client.ts';

export default ensureRuntimeClient;
