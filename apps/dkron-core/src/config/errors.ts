/**
 * A mistake in the command line, the environment or the config file: the CLI prints the message
 * (one problem per line) and exits with status 2.
 */
export class UsageError extends Error {
  /** Every problem found, so one run reports them all. */
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.name = 'UsageError';
    this.problems = list;
  }
}

/** True for a {@link UsageError}. */
export function isUsageError(value: unknown): value is UsageError {
  return value instanceof UsageError;
}
