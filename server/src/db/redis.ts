import type { Redis } from 'ioredis';

/**
 * One way to open Redis connections. ioredis is loaded only here, when Redis is configured, so a
 * single node without it doesn't carry the client in memory. `maxRetriesPerRequest: null` is what BullMQ workers need,
 * and it keeps commands waiting through a Redis restart instead of failing them.
 */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: `dropline:${name}`, lazyConnect: false });
}
