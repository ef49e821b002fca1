// `npm run failures`: the command line to an exit code. The AWS SDK clients take credentials,
// region and endpoints (AWS_ENDPOINT_URL_SQS, ...) from the environment as usual.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsProblem } from '../aws-problem.ts';
import { CANNOT_RUN, cannotRunText, helpText, problemLine, wantsHelp } from '../cli.ts';
import type { Io, Output } from './io.ts';
import { listFailures } from './list.ts';
import { FAILURES, parseOptions, type Targets } from './options.ts';
import { QueueReader } from './queue-reader.ts';
import { INTERRUPTED, replayFailures } from './replay.ts';
import { stackTargets } from './stack-targets.ts';

// How long a received message stays hidden; long enough for the whole run, since a message that
// reappears mid-run would be read twice. Ctrl-C and errors release them at once.
const LIST_HIDE_SECONDS = 120;
const REPLAY_HIDE_SECONDS = 900;

export async function runFailures(
  args: string[],
  io: { stdout: Output; stderr: Output; signal?: AbortSignal },
): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(`${helpText(FAILURES)}\n`);
    return 0;
  }
  const sqs = new SQSClient({});
  const lambda = new LambdaClient({});
  const cloudFormation = new CloudFormationClient({});
  let reader: QueueReader | undefined;
  const release = async () => {
    const problems = (await reader?.releaseAll()) ?? [];
    for (const problem of problems) io.stderr.write(`failures: warning: ${problem}\n`);
    return problems.length === 0;
  };
  try {
    const options = parseOptions(args);
    const targets = await resolveTargets(options.targets, cloudFormation);
    const commandIo: Io = { ...io, release };
    if (options.command === 'list') {
      reader = new QueueReader(sqs, LIST_HIDE_SECONDS);
      await listFailures(reader, targets.queueUrls, commandIo);
      return io.signal?.aborted ? INTERRUPTED : 0;
    }
    reader = new QueueReader(sqs, options.dryRun ? LIST_HIDE_SECONDS : REPLAY_HIDE_SECONDS);
    return await replayFailures(
      reader,
      lambda,
      { ...options, queueUrls: targets.queueUrls, functionName: targets.functionName ?? '' },
      commandIo,
    );
  } catch (error) {
    await release();
    io.stderr.write(cannotRunText(FAILURES, error, awsProblem(error) ?? problemLine(error)));
    return CANNOT_RUN;
  } finally {
    for (const client of [sqs, lambda, cloudFormation]) client.destroy();
  }
}

async function resolveTargets(targets: Targets, cloudFormation: CloudFormationClient) {
  return 'stack' in targets ? stackTargets(cloudFormation, targets.stack) : targets;
}
