import type { Lock, Locker, RequestRelease } from '@tus/utils';

/**
 * Wraps the locker tus uses so a node that is shutting down can ask every request holding an
 * upload's lock to let go: tus then stops reading that PATCH, keeps the bytes it has (a consistent
 * offset the client resumes from, through another node) and releases the lock, instead of the
 * request being cut mid-write at SHUTDOWN_TIMEOUT.
 */
export class DrainableLocker implements Locker {
  private readonly holders = new Set<RequestRelease>();

  constructor(private readonly inner: Locker) {}

  newLock(id: string): Lock {
    const lock = this.inner.newLock(id);
    let release: RequestRelease | undefined;
    return {
      lock: async (signal, requestRelease) => {
        await lock.lock(signal, requestRelease);
        release = requestRelease;
        this.holders.add(requestRelease);
      },
      unlock: async () => {
        if (release) this.holders.delete(release);
        await lock.unlock();
      },
    };
  }

  /** Asks every holder to finish; each unlocks once its request has wound down. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.holders].map((release) => release()));
  }
}
