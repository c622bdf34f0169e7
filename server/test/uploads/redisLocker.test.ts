import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocker, type RedisLockerOptions } from '../../src/uploads/redisLocker.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!(await redisAvailable()))('RedisLocker against a real Redis', () => {
  const connections: Redis[] = [];
  const lockers: RedisLocker[] = [];
  const prefix = `dropline-test:${process.pid}:${Date.now()}:`;
  let admin: Redis;

  /** A locker with connections of its own, as another node would have. */
  function node(options: RedisLockerOptions = {}, connectionName?: string): RedisLocker {
    const redis = new Redis(REDIS_URL, { connectionName });
    connections.push(redis);
    const locker = new RedisLocker(redis, redis.duplicate(), { prefix, ...options });
    lockers.push(locker);
    return locker;
  }
  const signal = () => new AbortController().signal;

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const locker of lockers) await locker.close();
    for (const redis of connections) await redis.quit();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('lets one of two nodes hold an id; the other asks it to let go and gets the lock when it does', async () => {
    const a = node();
    const b = node();
    let releaseAsked = 0;
    const lockA = a.newLock('upload-1');
    await lockA.lock(signal(), () => {
      releaseAsked++;
    });

    const lockB = b.newLock('upload-1');
    let bHolds = false;
    const bAcquired = lockB.lock(signal(), () => {}).then(() => (bHolds = true));
    await sleep(200);
    expect(bHolds).toBe(false);
    expect(releaseAsked).toBeGreaterThan(0);

    await lockA.unlock();
    await bAcquired;
    expect(bHolds).toBe(true);
    await lockB.unlock();
    expect(await admin.exists(`${prefix}upload-1`)).toBe(0);
  });

  it('does not make different ids wait for each other', async () => {
    const a = node();
    const first = a.newLock('upload-x');
    const second = node().newLock('upload-y');
    await first.lock(signal(), () => {});
    await second.lock(signal(), () => {});
    await Promise.all([first.unlock(), second.unlock()]);
  });

  it('gives up with the lock-timeout error when the holder never lets go', async () => {
    const holder = node().newLock('upload-2');
    await holder.lock(signal(), () => {});
    const started = Date.now();
    await expect(
      node({ acquireTimeoutMs: 300 })
        .newLock('upload-2')
        .lock(signal(), () => {}),
    ).rejects.toMatchObject({ status: 423, code: 'upload_busy' });
    expect(Date.now() - started).toBeLessThan(2000);
    await holder.unlock();
  });

  it('stops waiting when the request is cancelled', async () => {
    const holder = node().newLock('upload-3');
    await holder.lock(signal(), () => {});
    const controller = new AbortController();
    const waiting = node()
      .newLock('upload-3')
      .lock(controller.signal, () => {});
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ status: 423, code: 'upload_busy' });
    await holder.unlock();
  });

  it('renews a lock while it is held, past its TTL', async () => {
    const lock = node({ ttlMs: 300 }).newLock('upload-4');
    await lock.lock(signal(), () => {});
    await sleep(900);
    expect(await admin.pttl(`${prefix}upload-4`)).toBeGreaterThan(0);
    await expect(
      node({ acquireTimeoutMs: 200 })
        .newLock('upload-4')
        .lock(signal(), () => {}),
    ).rejects.toMatchObject({ status: 423, code: 'upload_busy' });
    await lock.unlock();
  });

  it('releases only its own lock, and asks its request to stop once the lock was lost', async () => {
    let lost = 0;
    const lock = node({ ttlMs: 300 }).newLock('upload-5');
    await lock.lock(signal(), () => {
      lost++;
    });
    // Its lock lapsed (say Redis was unreachable) and another node took the id.
    await admin.set(`${prefix}upload-5`, 'someone-else', 'PX', 10_000);
    await sleep(300);
    expect(lost).toBeGreaterThan(0);
    await lock.unlock();
    expect(await admin.get(`${prefix}upload-5`)).toBe('someone-else');
  });

  it('keeps only the newest waiter across nodes: older ones get 423 at once, the newest gets the lock', async () => {
    const holder = node().newLock('upload-6');
    let asked = 0;
    await holder.lock(signal(), () => void asked++);
    const nodes = [node(), node(), node()];
    const outcomes: Array<Promise<unknown>> = [];
    const locks = [];
    for (let i = 0; i < 9; i++) {
      const lock = nodes[i % 3]!.newLock('upload-6');
      locks.push(lock);
      outcomes.push(
        lock
          .lock(signal(), () => {})
          .then(
            () => 'granted',
            (err) => err,
          ),
      );
      // One after the other, so "newest" is well defined.
      await sleep(30);
    }
    for (const outcome of await Promise.all(outcomes.slice(0, 8))) expect(outcome).toMatchObject({ status: 423, code: 'upload_busy' });
    expect(asked).toBeGreaterThan(0);
    await holder.unlock();
    expect(await outcomes[8]).toBe('granted');
    await locks[8]!.unlock();
    expect(await admin.exists(`${prefix}upload-6`)).toBe(0);
  });

  it('waits for the release event without sending Redis a command meanwhile', async () => {
    const holder = node().newLock('upload-7');
    await holder.lock(signal(), () => {});
    const name = `waiter-${process.pid}-${Date.now()}`;
    const waiting = node({}, name)
      .newLock('upload-7')
      .lock(signal(), () => {});
    await sleep(2500);
    const clients = (await admin.client('LIST')) as string;
    const line = clients.split('\n').find((l) => l.includes(` name=${name} `));
    expect(line).toBeDefined();
    // Seconds since that connection's last command: it has been quiet while waiting.
    expect(Number(/ idle=(\d+) /.exec(line!)![1])).toBeGreaterThanOrEqual(2);
    await holder.unlock();
    await waiting;
  });

  it('takes over a lock whose holder died without releasing it, once its TTL ends', async () => {
    // A holder that vanished: its key stays until the TTL, and no release is ever published.
    await admin.set(`${prefix}upload-8`, 'dead-node', 'PX', 400);
    const lock = node().newLock('upload-8');
    await lock.lock(signal(), () => {});
    expect(await admin.get(`${prefix}upload-8`)).not.toBe('dead-node');
    await lock.unlock();
  });

  it('tells a holder to let go even when the request for it overtook the reply that gave it the lock', async () => {
    const a = node();
    await a.ready;
    // A want published while each take is in flight: the holder must hear it once it holds.
    const asked = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        let count = 0;
        const lock = a.newLock(`upload-9-${i}`);
        const locked = lock.lock(signal(), () => void count++);
        await admin.publish(a.channel, JSON.stringify(['want', `upload-9-${i}`, 'another-request']));
        await locked;
        await sleep(200);
        await lock.unlock();
        return count;
      }),
    );
    expect(asked.every((count) => count > 0)).toBe(true);
  });
});
