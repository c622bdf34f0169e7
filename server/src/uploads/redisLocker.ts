import { randomBytes } from 'node:crypto';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import type { Redis } from 'ioredis';

// Compare-and-act in one step, so a node never renews or deletes a lock that expired and was taken.
const RENEW_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RedisLockerOptions {
  prefix?: string;
  /** How long a lock outlives a node that died holding it; renewed while held. */
  ttlMs?: number;
  /** How long a request waits for a lock before tus answers it with an error (MemoryLocker: 30 s). */
  acquireTimeoutMs?: number;
  retryMs?: number;
}

/**
 * tus' Locker on Redis, so several nodes can share one upload directory. A lock is `SET NX PX` with
 * a random token, renewed while held and released only by its owner. A request that finds the lock
 * taken publishes a release request; the node holding it calls that request's `requestRelease`
 * (tus then ends the older request, as with MemoryLocker, which is how a resumed client takes over
 * from its own stale connection).
 */
export class RedisLocker implements Locker {
  readonly prefix: string;
  readonly ttlMs: number;
  readonly acquireTimeoutMs: number;
  readonly retryMs: number;
  /** Locks this node holds, by upload id, with the callback that asks their request to let go. */
  readonly held = new Map<string, RequestRelease>();
  readonly ready: Promise<unknown>;
  private readonly channel: string;

  /** `subscriber` is a connection of its own: Redis allows nothing else on a subscribed one. */
  constructor(
    readonly redis: Redis,
    private readonly subscriber: Redis,
    options: RedisLockerOptions = {},
  ) {
    this.prefix = options.prefix ?? 'dropline:tus-lock:';
    this.ttlMs = options.ttlMs ?? 30_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.retryMs = options.retryMs ?? 50;
    this.channel = `${this.prefix}release`;
    subscriber.on('message', (channel: string, id: string) => {
      if (channel === this.channel) void this.held.get(id)?.();
    });
    this.ready = subscriber.subscribe(this.channel);
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }

  requestRelease(id: string): Promise<unknown> {
    return this.redis.publish(this.channel, id);
  }

  async close(): Promise<void> {
    await this.subscriber.quit();
  }
}

class RedisLock implements Lock {
  private readonly token = randomBytes(16).toString('base64url');
  private readonly key: string;
  private renewal: NodeJS.Timeout | undefined;
  private release: RequestRelease | undefined;

  constructor(
    private readonly locker: RedisLocker,
    private readonly id: string,
  ) {
    this.key = locker.prefix + id;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { redis, ttlMs, acquireTimeoutMs, retryMs } = this.locker;
    await this.locker.ready;
    const deadline = Date.now() + acquireTimeoutMs;
    for (;;) {
      if (signal.aborted) throw ERRORS.ERR_LOCK_TIMEOUT;
      if ((await redis.set(this.key, this.token, 'PX', ttlMs, 'NX')) === 'OK') break;
      await this.locker.requestRelease(this.id);
      if (Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await sleep(retryMs, signal);
    }
    this.release = requestRelease;
    this.locker.held.set(this.id, requestRelease);
    this.renewal = setInterval(() => void this.renew(), Math.max(10, Math.floor(ttlMs / 3)));
    this.renewal.unref();
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewal);
    if (this.locker.held.get(this.id) === this.release) this.locker.held.delete(this.id);
    await this.locker.redis.eval(RELEASE_IF_OWNER, 1, this.key, this.token);
  }

  /**
   * A lock that lapsed (Redis unreachable past the TTL) may now be someone else's: stop writing. A
   * failed renewal is only retried; the TTL leaves room for a few.
   */
  private async renew(): Promise<void> {
    const renewed = await this.locker.redis.eval(RENEW_IF_OWNER, 1, this.key, this.token, this.locker.ttlMs).catch(() => null);
    if (renewed === 0) {
      clearInterval(this.renewal);
      await this.release?.();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
