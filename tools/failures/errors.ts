// What went wrong, as one line for the operator: never a stack trace.

/** The command line is wrong; nothing was sent to AWS. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** AWS answered that something named on the command line is not there or not usable. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export function problemLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof UsageError || error instanceof TargetError) return error.message;
  if (error.name === 'CredentialsProviderError') {
    // The SDK's words name profiles, files and URLs, never keys. Only their first line: a failed
    // credential_process adds the command's stderr on the next ones.
    const sdk = `(AWS SDK: ${error.message.split('\n')[0]})`;
    const profile = process.env.AWS_PROFILE;
    if (profile) {
      return `no AWS credentials from profile ${profile} (AWS_PROFILE): check that it is in ~/.aws/config or AWS_CONFIG_FILE, and if it uses SSO, run aws sso login --profile ${profile} ${sdk}`;
    }
    return `no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (after aws sso login, AWS_PROFILE is enough) ${sdk}`;
  }
  if (error.message === 'Region is missing') {
    return 'no AWS region: set AWS_REGION, or AWS_PROFILE to a profile that has a region';
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return `cannot reach AWS: ${error.message}`;
  }
  return `${error.name}: ${error.message}`;
}

/** Rethrows an AWS error of the given name as a TargetError with the operator's words. */
export function rethrowNamed(error: unknown, name: string, message: string): never {
  if (error instanceof Error && error.name === name) {
    throw new TargetError(`${message} (AWS says: ${error.message})`);
  }
  throw error;
}
