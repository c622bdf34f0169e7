import { randomBytes } from 'node:crypto';
import type { Lock, Locker, RequestRelease } from '@tus/utils';
import type { Redis } from 'ioredis';
import { DEFAULT_ACQUIRE_TIMEOUT_MS, Waiter, askToRelease, uploadBusy } from './uploadLocks.js';

// Compare-and-act in one step, so a node never renews or deletes a lock that expired and was taken.
const RENEW_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// Releasing and announcing it are one step too: no waiter can miss the release of a lock it saw taken.
const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]); redis.call('publish', ARGV[2], ARGV[3]); return 1 else return 0 end`;

export interface RedisLockerOptions {
  prefix?: string;
  /** How long a lock outlives a node that died holding it; renewed while held. */
  ttlMs?: number;
  /** How long a request waits for a lock before it is answered 423. */
  acquireTimeoutMs?: number;
}

/** Messages on the locker's channel: a request wants a lock (`token` is its own), or a lock was freed. */
type Message = ['want', id: string, token: string] | ['free', id: string];

interface Waiting {
  token: string;
  waiter: Waiter;
  /** Its own `want` came back: from then on, any later `want` for the upload is newer than it. */
  announced: boolean;
  wake(): void;
}

/**
 * tus' Locker on Redis, so several nodes can share one upload directory. A lock is `SET NX PX` with
 * a random token, renewed while held and released only by its owner. A request that finds the lock
 * taken publishes `want`: the node holding it asks its request to let go, and any older waiter, on
 * any node, is answered 423 (Redis delivers messages in one order to every node, so exactly the
 * newest waiter remains). The waiter then sleeps until the release is published; a single timer set
 * to the lock's remaining TTL covers a holder that died without releasing.
 */
export class RedisLocker implements Locker {
  readonly prefix: string;
  readonly ttlMs: number;
  readonly acquireTimeoutMs: number;
  /** Locks this node holds, by upload id: their token and the callback that asks their request to let go. */
  readonly held = new Map<string, { token: string; release: RequestRelease }>();
  /** The newest request of this node waiting for each upload. */
  readonly waiting = new Map<string, Waiting>();
  /**
   * Takes in flight, by upload id. A `want` can overtake the reply to the SET that took the lock
   * (they come on different connections); the taker must still hear it, or the waiter waits in vain.
   */
  readonly taking = new Map<string, Set<RedisLock>>();
  readonly ready: Promise<unknown>;
  readonly channel: string;

  /** `subscriber` is a connection of its own: Redis allows nothing else on a subscribed one. */
  constructor(
    readonly redis: Redis,
    private readonly subscriber: Redis,
    options: RedisLockerOptions = {},
  ) {
    this.prefix = options.prefix ?? 'dropline:tus-lock:';
    this.ttlMs = options.ttlMs ?? 30_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
    this.channel = `${this.prefix}events`;
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
    this.ready = subscriber.subscribe(this.channel);
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }

  publish(message: Message): Promise<unknown> {
    return this.redis.publish(this.channel, JSON.stringify(message));
  }

  async close(): Promise<void> {
    for (const { waiter } of this.waiting.values()) waiter.refuse(uploadBusy());
    await this.subscriber.quit();
  }

  private receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    const [kind, id] = message;
    const waiting = this.waiting.get(id);
    if (kind === 'free') {
      waiting?.wake();
      return;
    }
    const token = message[2];
    const holder = this.held.get(id);
    if (holder && holder.token !== token) askToRelease(holder.release);
    for (const taker of this.taking.get(id) ?? []) taker.wantedBy(token);
    if (!waiting) return;
    if (waiting.token === token) waiting.announced = true;
    else if (waiting.announced) waiting.waiter.refuse();
  }
}

class RedisLock implements Lock {
  private readonly token = randomBytes(16).toString('base64url');
  private readonly key: string;
  private renewal: NodeJS.Timeout | undefined;
  private release: RequestRelease | undefined;
  /** Someone else wanted the lock while this one's SET was in flight. */
  private wanted = false;

  constructor(
    private readonly locker: RedisLocker,
    private readonly id: string,
  ) {
    this.key = locker.prefix + id;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { locker, id } = this;
    await locker.ready;
    const taken = await this.take().catch(() => {
      throw uploadBusy('The upload lock could not be checked. Please try again.');
    });
    if (taken) return this.hold(requestRelease);

    const waiter = new Waiter(requestRelease, signal, locker.acquireTimeoutMs);
    let recheck: NodeJS.Timeout | undefined;
    let attempting = false;
    let again = false;
    /** Tries to take the lock; when it is still taken, sleeps until a release or the holder's TTL ends. */
    const attempt = async (): Promise<void> => {
      if (attempting) {
        again = true;
        return;
      }
      attempting = true;
      clearTimeout(recheck);
      try {
        do {
          again = false;
          if (!waiter.pending) return;
          if (await this.take()) {
            if (!waiter.grant()) await this.unlock();
            return;
          }
          const ttl = again ? 0 : await locker.redis.pttl(this.key);
          // -2: gone since; -1: no expiry (not ours; someone set it by hand), look again after a TTL.
          if (ttl === -2) again = true;
          else if (!again) recheck = setTimeout(() => void attempt(), (ttl < 0 ? locker.ttlMs : ttl) + 10);
        } while (again);
      } catch {
        waiter.refuse(uploadBusy('The upload lock could not be checked. Please try again.'));
      } finally {
        attempting = false;
      }
    };

    const waiting: Waiting = { token: this.token, waiter, announced: false, wake: () => void attempt() };
    locker.waiting.get(id)?.waiter.refuse();
    locker.waiting.set(id, waiting);
    try {
      await locker.publish(['want', id, this.token]).then(
        // The holder may have let go between the first try and the announcement.
        () => attempt(),
        () => waiter.refuse(uploadBusy('The upload lock could not be requested. Please try again.')),
      );
      await waiter.settled;
      this.hold(requestRelease);
    } finally {
      clearTimeout(recheck);
      if (locker.waiting.get(id) === waiting) locker.waiting.delete(id);
    }
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewal);
    this.renewal = undefined;
    if (this.locker.held.get(this.id)?.token === this.token) this.locker.held.delete(this.id);
    await this.locker.redis.eval(RELEASE_IF_OWNER, 1, this.key, this.token, this.locker.channel, JSON.stringify(['free', this.id]));
  }

  wantedBy(token: string): void {
    if (token !== this.token) this.wanted = true;
  }

  private async take(): Promise<boolean> {
    const { taking } = this.locker;
    const takers = taking.get(this.id) ?? new Set<RedisLock>();
    taking.set(this.id, takers.add(this));
    this.wanted = false;
    try {
      return (await this.locker.redis.set(this.key, this.token, 'PX', this.locker.ttlMs, 'NX')) === 'OK';
    } finally {
      takers.delete(this);
      if (takers.size === 0 && taking.get(this.id) === takers) taking.delete(this.id);
    }
  }

  private hold(requestRelease: RequestRelease): void {
    this.release = requestRelease;
    this.locker.held.set(this.id, { token: this.token, release: requestRelease });
    this.renewal = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.locker.ttlMs / 3)));
    this.renewal.unref();
    if (this.wanted) askToRelease(requestRelease);
  }

  /**
   * A lock that lapsed (Redis unreachable past the TTL) may now be someone else's: stop writing. A
   * failed renewal is only retried; the TTL leaves room for a few.
   */
  private async renew(): Promise<void> {
    const renewed = await this.locker.redis.eval(RENEW_IF_OWNER, 1, this.key, this.token, this.locker.ttlMs).catch(() => null);
    if (renewed === 0) {
      clearInterval(this.renewal);
      askToRelease(this.release);
    }
  }
}
