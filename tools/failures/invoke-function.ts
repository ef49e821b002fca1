// One synchronous invocation of the function, so that the outcome is known before the message
// is deleted or kept.
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { rethrowNamed } from './errors.ts';
import { shorten } from './format.ts';

export const REPLAYED_OUTCOMES = ['updated', 'unchanged', 'stale'] as const;
export type ReplayedOutcome = (typeof REPLAYED_OUTCOMES)[number];

export type InvocationResult =
  | { outcome: ReplayedOutcome }
  | { errorType: string; errorMessage: string };

const EXCERPT_CHARS = 200;

export async function invokeFunction(
  lambda: LambdaClient,
  functionName: string,
  event: unknown,
): Promise<InvocationResult> {
  let response: InvokeCommandOutput;
  try {
    response = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify(event),
      }),
    );
  } catch (error) {
    return rethrowNamed(error, 'ResourceNotFoundException', `function ${functionName} not found`);
  }
  const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = undefined;
  }
  const fields = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >;
  if (response.FunctionError) {
    // What Lambda's Node runtime returns for a thrown error: {errorType, errorMessage, trace}.
    return {
      errorType: typeof fields.errorType === 'string' ? fields.errorType : response.FunctionError,
      errorMessage: typeof fields.errorMessage === 'string' ? fields.errorMessage : excerpt(text),
    };
  }
  const outcome = REPLAYED_OUTCOMES.find((known) => known === fields.outcome);
  if (outcome) return { outcome };
  return {
    errorType: 'UnexpectedResult',
    errorMessage: `the function returned ${excerpt(text)} instead of an outcome`,
  };
}

function excerpt(text: string): string {
  return shorten(text, EXCERPT_CHARS) || '(nothing)';
}
