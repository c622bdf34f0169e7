import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { HttpError } from './errors.js';

/** Counts hits per key in fixed windows; small like tusd's Locker, so Redis can stand in for memory. */
export interface RateLimiter {
  /** Records a hit and returns how many the key has had in the current window and when it ends. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      // Finished windows are dropped as new ones open, so the map stays as small as the traffic.
      if (this.windows.size > 10_000) for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return { count: window.count, resetInMs: window.endsAt - now };
  }
}

/** Shared by every node, so a client can't multiply its allowance by spreading over nodes. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const redisKey = `${this.prefix}:rate:${key}`;
    const [[, count], [, ttl]] = (await this.redis.multi().incr(redisKey).pttl(redisKey).exec()) as [[null, number], [null, number]];
    if (ttl < 0) await this.redis.pexpire(redisKey, windowMs);
    return { count, resetInMs: ttl < 0 ? windowMs : ttl };
  }
}

/** At most `limit` requests per client address and window; past that, 429 with Retry-After. */
export function rateLimit(limiter: RateLimiter, name: string, limit: number, windowMs: number): RequestHandler {
  return async (req, res, next) => {
    const { count, resetInMs } = await limiter.hit(`${name}:${req.ip}`, windowMs);
    const retryAfter = String(Math.max(1, Math.ceil(resetInMs / 1000)));
    res.set({ 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': String(Math.max(0, limit - count)) });
    if (count > limit) {
      throw new HttpError(429, 'too_many_requests', `Too many attempts. Please wait ${retryAfter} seconds and try again.`, { 'Retry-After': retryAfter });
    }
    next();
  };
}
