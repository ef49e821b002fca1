// Every failure the function reports has its own class so that `err.name` tells an operator,
// in the logs and in the on-failure destination, what went wrong without reading a stack.
// Messages never carry the API key: they are built only from statuses, ids and Kodexa's bodies.

// Each class states its name as a static `name`: minification renames classes, and the Lambda
// runtime's own error log line reads `error.constructor.name`, so the name must survive on the
// class; `err.name` reads it from there.
abstract class NamedError extends Error {
  override get name() {
    return this.constructor.name;
  }
}

export class ConfigurationError extends NamedError {
  static override name = 'ConfigurationError';
}

export class InvalidCompletionEvent extends NamedError {
  static override name = 'InvalidCompletionEvent';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid completion event: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export class ApiKeyUnavailable extends NamedError {
  static override name = 'ApiKeyUnavailable';
}

export class KodexaAuthError extends NamedError {
  static override name = 'KodexaAuthError';
}

export class SliceNotFound extends NamedError {
  static override name = 'SliceNotFound';
}

export class KodexaRequestRejected extends NamedError {
  static override name = 'KodexaRequestRejected';
}

export class KodexaUnavailable extends NamedError {
  static override name = 'KodexaUnavailable';
}

export class SliceUpdateConflict extends NamedError {
  static override name = 'SliceUpdateConflict';
}

/**
 * What names an error wherever it is reported (the ErrorName metric dimension and dead-letter
 * attribute, the health check) or sorted (failure-kind.ts): its `name`, which our classes keep
 * through minification; `Error` for anything thrown without one.
 */
export function errorName(error: unknown): string {
  return error instanceof Error && error.name ? error.name : 'Error';
}
