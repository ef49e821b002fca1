// Every failure the function reports has its own class so that `err.name` tells an operator,
// in the logs and in the on-failure destination, what went wrong without reading a stack.
// Messages never carry the API key: they are built only from statuses, ids and Kodexa's bodies.

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export class InvalidCompletionEvent extends Error {
  override readonly name = 'InvalidCompletionEvent';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid completion event: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export class ApiKeyUnavailable extends Error {
  override readonly name = 'ApiKeyUnavailable';
}

export class KodexaAuthError extends Error {
  override readonly name = 'KodexaAuthError';
}

export class SliceNotFound extends Error {
  override readonly name = 'SliceNotFound';
}

export class KodexaRequestRejected extends Error {
  override readonly name = 'KodexaRequestRejected';
}

export class KodexaUnavailable extends Error {
  override readonly name = 'KodexaUnavailable';
}

export class SliceUpdateConflict extends Error {
  override readonly name = 'SliceUpdateConflict';
}
