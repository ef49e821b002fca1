// What the AWS SDK says when a tool cannot reach AWS, in the words of what to set: the tools run
// with the operator's credentials and region, which Lambda would otherwise give the function.

/** The operator's line for an AWS SDK error about credentials, region or network; else undefined. */
export function awsProblem(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
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
  return undefined;
}
