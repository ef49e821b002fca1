// What went wrong, as one line for the operator: never a stack trace.
import { awsProblem } from '../aws-problem.ts';
import { UsageError } from '../cli.ts';

// The command line is wrong; nothing was sent to AWS. The same class as every tool's.
export { UsageError };

/** AWS answered that something named on the command line is not there or not usable. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export function problemLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof UsageError || error instanceof TargetError) return error.message;
  return awsProblem(error) ?? `${error.name}: ${error.message}`;
}

/** Rethrows an AWS error of the given name as a TargetError with the operator's words. */
export function rethrowNamed(error: unknown, name: string, message: string): never {
  if (error instanceof Error && error.name === name) {
    throw new TargetError(`${message} (AWS says: ${error.message})`);
  }
  throw error;
}
