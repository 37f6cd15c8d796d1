/** A failure the user can fix: printed as one line, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
