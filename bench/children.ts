// run.ts's side of the two child processes: the servers, and the measured function.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Servers } from './servers.ts';
import type { WarmOptions, WarmResult } from './warm.ts';

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export interface RunningServers extends Servers {
  stop(): Promise<void>;
}

export async function startServers(): Promise<RunningServers> {
  const child = spawn(process.execPath, [script('servers.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`bench/servers.ts exited with ${code} before it was ready`);
  });
  const [line] = (await Promise.race([once(createInterface(child.stdout), 'line'), exited])) as [
    string,
  ];
  return {
    ...(JSON.parse(line) as Servers),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

export type WarmCounts = Pick<WarmOptions, 'warmUp' | 'memoryInvocations' | 'blocks' | 'blockSize'>;

/** Runs bench/warm.ts in a fresh process with the function's log level, and returns its figures. */
export async function runWarm(
  servers: Servers,
  logLevel: string,
  counts: WarmCounts,
): Promise<WarmResult> {
  const options: WarmOptions = {
    kodexaUrl: servers.env.KODEXA_URL as string,
    apiKey: servers.apiKey,
    sliceId: servers.sliceId,
    statsUrl: servers.statsUrl,
    ...counts,
  };
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      // V8 drops the bytecode of code not run lately (the cold start's) after enough collections,
      // which would hide heap growth behind a shrinking baseline.
      '--no-flush-bytecode',
      // Source maps on as in the deployed function (NODE_OPTIONS in the stack).
      '--enable-source-maps',
      script('warm.ts'),
      JSON.stringify(options),
    ],
    {
      env: { ...process.env, ...servers.env, POWERTOOLS_LOG_LEVEL: logLevel },
      // The function's log lines go to /dev/null: formatting them is its cost, a pipe's speed is not.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  let result: WarmResult | undefined;
  child.on('message', (message) => {
    result = message as WarmResult;
  });
  // 'close', not 'exit': it waits for the IPC channel too, so the result has arrived.
  const [code] = await once(child, 'close');
  if (code !== 0 || !result) throw new Error(`bench/warm.ts exited with ${code} and no result`);
  return result;
}
