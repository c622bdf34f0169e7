import { Redis } from 'ioredis';

/**
 * One way to open Redis connections. `maxRetriesPerRequest: null` is what BullMQ workers need,
 * and it keeps commands waiting through a Redis restart instead of failing them.
 */
export function connectRedis(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: `dropline:${name}`, lazyConnect: false });
}
