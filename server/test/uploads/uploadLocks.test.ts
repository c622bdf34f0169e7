import { describe, expect, it } from 'vitest';
import { LocalLocker } from '../../src/uploads/uploadLocks.js';

const signal = () => new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LocalLocker (in-process upload locks)', () => {
  it('asks the holder to let go and hands the lock straight to the waiter on release', async () => {
    const locker = new LocalLocker();
    let asked = 0;
    const holder = locker.newLock('u');
    await holder.lock(signal(), () => void asked++);
    let granted = false;
    const waiting = locker
      .newLock('u')
      .lock(signal(), () => {})
      .then(() => (granted = true));
    await sleep(50);
    expect(asked).toBe(1);
    expect(granted).toBe(false);
    await holder.unlock();
    await waiting;
    expect(granted).toBe(true);
    expect(locker.size).toBe(1);
  });

  it('keeps only the newest waiter: older ones get 423 at once, and nothing lingers afterwards', async () => {
    const locker = new LocalLocker();
    const holder = locker.newLock('u');
    await holder.lock(signal(), () => {});
    const waiters = Array.from({ length: 20 }, () => locker.newLock('u'));
    const outcomes = waiters.map((lock) =>
      lock
        .lock(signal(), () => {})
        .then(
          () => 'granted',
          (err) => err,
        ),
    );
    const early = await Promise.all(outcomes.slice(0, 19));
    for (const err of early) expect(err).toMatchObject({ status: 423, code: 'upload_busy' });
    await holder.unlock();
    expect(await outcomes[19]).toBe('granted');
    await waiters[19]!.unlock();
    expect(locker.size).toBe(0);
  });

  it('answers 423 when the holder never lets go, or when the waiting request ends', async () => {
    const locker = new LocalLocker(200);
    const holder = locker.newLock('u');
    await holder.lock(signal(), () => {});
    await expect(locker.newLock('u').lock(signal(), () => {})).rejects.toMatchObject({ status: 423 });
    const controller = new AbortController();
    const waiting = locker.newLock('u').lock(controller.signal, () => {});
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ status: 423 });
    await holder.unlock();
    expect(locker.size).toBe(0);
    // An unlock of a lock never taken (tus does this after a failed lock) changes nothing.
    await locker.newLock('u').unlock();
    expect(locker.size).toBe(0);
  });

  it('does not make different uploads wait for each other', async () => {
    const locker = new LocalLocker();
    const a = locker.newLock('a');
    const b = locker.newLock('b');
    await a.lock(signal(), () => {});
    await b.lock(signal(), () => {});
    await Promise.all([a.unlock(), b.unlock()]);
    expect(locker.size).toBe(0);
  });
});
