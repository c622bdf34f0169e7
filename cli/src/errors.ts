/** Exit codes of the contract: 0 ok, 1 failure, 2 usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An error meant for the person at the terminal: its message is printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    /** A snake_case code for `--json` output: the server's code when the server said no. */
    readonly code = 'failed',
    readonly exitCode = EXIT_FAILURE,
    readonly status?: number,
    /** Already told in detail (per file, say): only the exit code is left to set. */
    readonly reported = false,
  ) {
    super(message);
  }
}

/** Wrong arguments or options: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 'usage', EXIT_USAGE);
  }
}

export function notLoggedIn(): CliError {
  return new CliError('Not logged in. Run `dropline login <url>` first.', 'not_logged_in');
}

/** The message of anything thrown, for a person. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    // Node's network failures hide the reason in `cause` (ECONNREFUSED, ENOTFOUND...).
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err.message === 'fetch failed' && cause) return `could not reach the server (${cause.code ?? cause.message})`;
    return err.message;
  }
  return String(err);
}
