// One synchronous invocation of the function, so that what it did is known before the caller
// goes on: the failures tool's replay (before it deletes or keeps a message) and the smoke test.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  type CompletionOutcome,
  isCompletionOutcome,
} from '#functions/slice-completion/complete-slice.ts';
import { oneLine, shorten } from '#functions/slice-completion/short-text.ts';
import { rethrowNamed } from './errors.ts';

/** What the function returned (its payload, parsed), or the error it threw; and the payload's text. */
export type InvokeAnswer = { text: string } & (
  | { returned: unknown }
  | { thrown: { errorType: string; errorMessage: string | undefined } }
);

export type InvocationResult =
  | { outcome: CompletionOutcome }
  | { errorType: string; errorMessage: string };

const EXCERPT_CHARS = 200;

export async function invokeSynchronously(
  lambda: LambdaClient,
  functionName: string,
  event: unknown,
): Promise<InvokeAnswer> {
  const response = await lambda
    .send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: JSON.stringify(event),
      }),
    )
    .catch((error: unknown) =>
      rethrowNamed(error, 'ResourceNotFoundException', `function ${functionName} not found`),
    );
  const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = undefined;
  }
  if (!response.FunctionError) return { text, returned: payload };
  // What Lambda's Node runtime returns for a thrown error: {errorType, errorMessage, trace}.
  const { errorType, errorMessage } = (payload ?? {}) as Record<string, unknown>;
  return {
    text,
    thrown: {
      errorType: typeof errorType === 'string' ? errorType : response.FunctionError,
      errorMessage: typeof errorMessage === 'string' ? errorMessage : undefined,
    },
  };
}

/** A replay's result: the completion's outcome, or why there is none. */
export async function invokeFunction(
  lambda: LambdaClient,
  functionName: string,
  event: unknown,
): Promise<InvocationResult> {
  const answer = await invokeSynchronously(lambda, functionName, event);
  if ('thrown' in answer) {
    const { errorType, errorMessage } = answer.thrown;
    return { errorType, errorMessage: errorMessage ?? excerpt(answer.text) };
  }
  const outcome = (answer.returned as { outcome?: unknown } | null)?.outcome;
  if (isCompletionOutcome(outcome)) return { outcome };
  return {
    errorType: 'UnexpectedResult',
    errorMessage: `the function returned ${excerpt(answer.text)} instead of an outcome`,
  };
}

/** The payload's text on one line, shortened; `(nothing)` for none. */
export function excerpt(text: string): string {
  return shorten(oneLine(text), EXCERPT_CHARS) || '(nothing)';
}
