import type { Lock, Locker, RequestRelease } from '@tus/utils';
import { HttpError } from '../http/errors.js';

/**
 * Upload locks, shared by the in-process and the Redis locker. A request that finds an upload
 * locked tells the holder to let go (tus then ends the holder's request after its drain delay,
 * which is how a resumed client takes over from its own stale connection, as the IETF draft
 * recommends) and waits for the release event: no polling, one timer. Only the newest waiter of
 * an upload waits; an older one is answered at once, so waiting costs a fixed few hundred bytes
 * per upload however many requests pile up. Nothing here ever answers 500.
 */

export const DEFAULT_ACQUIRE_TIMEOUT_MS = 30_000;

export const uploadBusy = (message = 'Another request is still writing to this upload. Please try again.') =>
  new HttpError(423, 'upload_busy', message);

const superseded = () => uploadBusy('A newer request for this upload arrived, so this one gave way.');

/** One request waiting for a lock. Settles once: granted, or refused (superseded, timed out, or its request ended). */
export class Waiter {
  readonly settled: Promise<void>;
  private resolve!: () => void;
  private reject!: (err: unknown) => void;
  private readonly timer: NodeJS.Timeout;
  private done = false;

  constructor(
    readonly requestRelease: RequestRelease,
    private readonly signal: AbortSignal,
    timeoutMs: number,
  ) {
    this.settled = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // It may be refused before its lock() awaits it; an unhandled rejection would end the process.
    this.settled.catch(() => {});
    this.timer = setTimeout(() => this.refuse(uploadBusy()), timeoutMs);
    signal.addEventListener('abort', this.onAbort, { once: true });
    if (signal.aborted) this.onAbort();
  }

  get pending(): boolean {
    return !this.done;
  }

  grant(): boolean {
    if (!this.finish()) return false;
    this.resolve();
    return true;
  }

  refuse(err: unknown = superseded()): void {
    if (this.finish()) this.reject(err);
  }

  private readonly onAbort = () => this.refuse(uploadBusy('The request ended while it waited for this upload.'));

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    return true;
  }
}

/** Asks a holder to let go; what its callback does is tus' business, but it must not throw into ours. */
export function askToRelease(release: RequestRelease | undefined): void {
  if (!release) return;
  try {
    void Promise.resolve(release()).catch(() => {});
  } catch {
    // A holder that cannot be asked still releases when its request ends.
  }
}

interface Entry {
  release: RequestRelease;
  waiter?: Waiter;
}

/** Locks for a single process (no REDIS_URL): the lock passes straight from holder to waiter on release. */
export class LocalLocker implements Locker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly acquireTimeoutMs = DEFAULT_ACQUIRE_TIMEOUT_MS) {}

  newLock(id: string): Lock {
    let held = false;
    return {
      lock: async (signal, requestRelease) => {
        const entry = this.entries.get(id);
        if (!entry) {
          this.entries.set(id, { release: requestRelease });
          held = true;
          return;
        }
        entry.waiter?.refuse();
        const waiter = new Waiter(requestRelease, signal, this.acquireTimeoutMs);
        entry.waiter = waiter;
        askToRelease(entry.release);
        try {
          await waiter.settled;
          held = true;
        } finally {
          if (entry.waiter === waiter) entry.waiter = undefined;
        }
      },
      unlock: async () => {
        if (!held) return;
        held = false;
        const entry = this.entries.get(id)!;
        const next = entry.waiter;
        entry.waiter = undefined;
        if (next?.grant()) entry.release = next.requestRelease;
        else this.entries.delete(id);
      },
    };
  }

  /** How many uploads are locked now (for tests: nothing may linger after the requests end). */
  get size(): number {
    return this.entries.size;
  }
}
