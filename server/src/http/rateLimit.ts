import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from './errors.js';

/** Where counters live: in this process, or in Redis so that every node counts the same client together. */
export interface RateLimitStore {
  redis?: Redis;
  prefix: string;
}

/** `points` requests per `durationSec` for each key, counted in fixed windows by rate-limiter-flexible. */
export function createLimiter(store: RateLimitStore, name: string, points: number, durationSec: number): RateLimiterAbstract {
  const keyPrefix = `${store.prefix}:rl:${name}`;
  return store.redis
    ? new RateLimiterRedis({ storeClient: store.redis, keyPrefix, points, duration: durationSec })
    : new RateLimiterMemory({ keyPrefix, points, duration: durationSec });
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): the policy (quota `q` per window
 * `w` seconds) and what is left of it (`r` requests, `t` seconds until the window resets). Appended,
 * so a request under two policies (the API's and the sign-in one) shows both as a list.
 */
function describe(res: Response, name: string, limiter: RateLimiterAbstract, state: RateLimiterRes): void {
  res.append('RateLimit-Policy', `"${name}";q=${limiter.points};w=${limiter.duration}`);
  res.append('RateLimit', `"${name}";r=${Math.max(0, state.remainingPoints)};t=${seconds(state.msBeforeNext)}`);
}

export const tooManyRequests = (retryAfterMs: number, message = 'Too many requests.') => {
  const retryAfter = seconds(retryAfterMs);
  return new HttpError(429, 'too_many_requests', `${message} Please wait ${retryAfter} seconds and try again.`, {
    'Retry-After': String(retryAfter),
  });
};

/**
 * Counts each request against `keyOf(req)` (null: not counted); over the limit, 429 with
 * Retry-After. When the store itself fails (Redis down) the request goes through: a broken counter
 * must not take the whole API down with it.
 */
export function rateLimit(limiter: RateLimiterAbstract, name: string, keyOf: (req: Request) => string | null): RequestHandler {
  return async (req, res, next) => {
    const key = keyOf(req);
    if (key === null) return next();
    let state: RateLimiterRes;
    try {
      state = await limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        req.log?.error({ err }, 'rate limit store failed; request let through');
        return next();
      }
      describe(res, name, limiter, err);
      throw tooManyRequests(err.msBeforeNext);
    }
    describe(res, name, limiter, state);
    next();
  };
}

/** Failures an account may have in FAILURE_WINDOW_SEC before each further one costs a wait. */
const FREE_FAILURES = 5;
const FAILURE_WINDOW_SEC = 15 * 60;
/** The longest wait: enough to make guessing hopeless (a guess a minute), short enough for a real person. */
const MAX_DELAY_SEC = 60;

/**
 * Per-account sign-in throttling, whatever address the guesses come from. After FREE_FAILURES wrong
 * passwords, each further failure makes the account wait 1, 2, 4 ... up to MAX_DELAY_SEC seconds
 * before the next attempt is even checked. A stranger can slow a real user down by a minute at most,
 * never lock them out for long, and a correct password clears the count.
 */
export class LoginThrottle {
  private readonly failures: RateLimiterAbstract;
  private readonly waits: RateLimiterAbstract;

  constructor(store: RateLimitStore) {
    this.failures = createLimiter(store, 'login-failures', FREE_FAILURES, FAILURE_WINDOW_SEC);
    this.waits = createLimiter(store, 'login-wait', 1, 1);
  }

  /** Keys are hashed so the store never holds an email address. */
  private key(email: string): string {
    return createHash('sha256').update(email).digest('base64url');
  }

  /** Throws 429 while the account must wait. */
  async check(email: string): Promise<void> {
    const wait = await this.waits.get(this.key(email));
    if (wait && wait.consumedPoints > this.waits.points && wait.msBeforeNext > 0) {
      throw tooManyRequests(wait.msBeforeNext, 'Too many failed sign-ins for this account.');
    }
  }

  async failed(email: string): Promise<void> {
    const key = this.key(email);
    try {
      await this.failures.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const beyond = err.consumedPoints - FREE_FAILURES;
      await this.waits.block(key, Math.min(2 ** (beyond - 1), MAX_DELAY_SEC));
    }
  }

  async succeeded(email: string): Promise<void> {
    const key = this.key(email);
    await Promise.all([this.failures.delete(key), this.waits.delete(key)]);
  }
}

/**
 * Password guesses against one protected thing (a share or a file request), whatever address they come from:
 * `points` attempts a window per key. Every attempt is counted before the password is checked, so
 * parallel guesses cannot slip past the limit; a right one gives its attempt back, so only wrong
 * ones add up. Over the limit: 429 with Retry-After.
 */
export class GuessThrottle {
  private readonly attempts: RateLimiterAbstract;

  constructor(store: RateLimitStore, name: string, points: number, durationSec: number) {
    this.attempts = createLimiter(store, name, points, durationSec);
  }

  async guard(key: string, guess: () => Promise<boolean>): Promise<boolean> {
    try {
      await this.attempts.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw tooManyRequests(err.msBeforeNext, 'Too many wrong passwords.');
      throw err;
    }
    const right = await guess();
    if (right) await this.attempts.reward(key, 1);
    return right;
  }
}
