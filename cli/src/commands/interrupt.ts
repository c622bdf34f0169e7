import { CliError } from '../errors.js';

let received: NodeJS.Signals | null = null;

/** The signal (Ctrl-C's SIGINT, or SIGTERM) that stopped the command, if one did. */
export const interruptedBy = () => received;

/**
 * Runs `work` with a signal that aborts on Ctrl-C or SIGTERM, so transfers stop cleanly and leave
 * what resumes them on disk. A second Ctrl-C quits at once.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = signal;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (err) {
    if (controller.signal.aborted) throw new CliError('interrupted', 'interrupted');
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
