import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * A read-through cache for small metadata (file rows, account states, share lookups). Values are
 * JSON; `undefined` and `null` (not found) are never cached. Every change calls `invalidate`,
 * which takes effect at once on every node; CACHE_TTL bounds anything else.
 */
export interface MetadataCache {
  get<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  invalidate(key: string): Promise<void>;
}

/** Where hits and misses are counted (the metrics registry, when there is one). */
export interface CacheCounters {
  hit(): void;
  miss(): void;
}

const noCounters: CacheCounters = { hit: () => {}, miss: () => {} };

const cacheable = (value: unknown) => value !== undefined && value !== null;

/** CACHE_TTL=0: every read goes to the database. */
export class NoCache implements MetadataCache {
  get<T>(_key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    return load();
  }

  async invalidate(): Promise<void> {}
}

/**
 * One process's cache (no REDIS_URL: one node). A load that overlaps an invalidation of its key
 * is not stored, so a slow read of the old row can't outlive the change.
 */
export class MemoryCache implements MetadataCache {
  private readonly values: LRUCache<string, { json: string }>;
  /** The sequence number of each key's last invalidation, long enough to cover loads in flight. */
  private readonly invalidated = new LRUCache<string, number>({ max: 100_000 });
  private sequence = 0;

  constructor(
    ttlMs: number,
    private readonly counters: CacheCounters = noCounters,
  ) {
    this.values = new LRUCache({ max: 50_000, ttl: ttlMs });
  }

  async get<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const cached = this.values.get(key);
    if (cached) {
      this.counters.hit();
      return JSON.parse(cached.json) as T;
    }
    this.counters.miss();
    const started = this.sequence;
    const value = await load();
    if (cacheable(value) && (this.invalidated.get(key) ?? 0) <= started) this.values.set(key, { json: JSON.stringify(value) });
    return value;
  }

  async invalidate(key: string): Promise<void> {
    this.invalidated.set(key, ++this.sequence);
    this.values.delete(key);
  }
}

/** KEYS[1]: a key's version; ARGV[1]: its values' key without the version. Answers [version, value or nil]. */
const READ_CURRENT = `local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('GET', ARGV[1] .. version)}`;

/**
 * Shared by every node through Redis, with versioned keys: a value is stored under its key's
 * current version, and invalidating bumps the version, so every node reads the new row at once
 * (no message to miss) and a slow loader's stale write lands under an old version nobody reads.
 * A version outlives the values stored under it (twice the TTL), so it never restarts at a
 * number whose value is still stored.
 */
export class RedisCache implements MetadataCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly counters: CacheCounters = noCounters,
  ) {}

  private versionKey = (key: string) => `${this.prefix}:cache:v:${key}`;
  private valueKey = (key: string, version: string) => `${this.prefix}:cache:d:${key}:${version}`;

  async get<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    // One round trip for the version and the value under it: every authenticated request reads its
    // account here, so a hit must cost less than the primary-key read it saves.
    const [version, cached] = (await this.redis.eval(READ_CURRENT, 1, this.versionKey(key), this.valueKey(key, ''))) as [string, string | null];
    if (cached !== null) {
      this.counters.hit();
      return JSON.parse(cached) as T;
    }
    this.counters.miss();
    const value = await load();
    if (cacheable(value)) await this.redis.set(this.valueKey(key, version), JSON.stringify(value), 'PX', this.ttlMs);
    return value;
  }

  async invalidate(key: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.versionKey(key))
      .pexpire(this.versionKey(key), this.ttlMs * 2)
      .exec();
  }
}
