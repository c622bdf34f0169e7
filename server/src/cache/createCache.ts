import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { MemoryCache, NoCache, RedisCache, type CacheCounters, type MetadataCache } from './metadataCache.js';

/** Shared through Redis when there is one (every node sees every invalidation), else this process's own; CACHE_TTL=0: none. */
export function createCache(config: Config, redis: Redis | undefined, counters?: CacheCounters): MetadataCache {
  if (config.cacheTtlMs === 0) return new NoCache();
  return redis ? new RedisCache(redis, config.redisPrefix, config.cacheTtlMs, counters) : new MemoryCache(config.cacheTtlMs, counters);
}
