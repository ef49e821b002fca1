// What went wrong with what the operator named, in the operator's words.
import { CannotRun } from '../cli.ts';

/** AWS answered that something named on the command line is not there or not usable. */
export class TargetError extends CannotRun {
  override readonly name = 'TargetError';
}

/** Rethrows an AWS error of the given name as a TargetError with the operator's words. */
export function rethrowNamed(error: unknown, name: string, message: string): never {
  if (error instanceof Error && error.name === name) {
    throw new TargetError(`${message} (AWS says: ${error.message})`);
  }
  throw error;
}
