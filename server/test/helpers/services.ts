import net from 'node:net';
import pg from 'pg';
import { connectRedis } from '../../src/db/redis.js';

/**
 * Redis and PostgreSQL suites run for real. On a machine without them they skip with a visible
 * notice; CI sets REQUIRE_SERVICES=1 so a missing service fails the run instead of skipping.
 */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const required = process.env.REQUIRE_SERVICES === '1';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function available(name: string, url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const up = await reachable(hostname, Number(port));
  if (!up && required) throw new Error(`${name} at ${url} is required (REQUIRE_SERVICES=1) but does not answer`);
  if (!up) console.warn(`\n  NOTICE: ${name} is not reachable at ${url}; its tests are SKIPPED on this machine.\n`);
  return up;
}

let redisUp: Promise<boolean> | undefined;
let postgresUp: Promise<boolean> | undefined;
export const redisAvailable = () => (redisUp ??= available('Redis', REDIS_URL));
export const postgresAvailable = () => (postgresUp ??= available('PostgreSQL', POSTGRES_ADMIN_URL));

/** Creates an empty database for one test file and returns its URL and a way to drop it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `dropline_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Removes every key under `prefix:` so a test leaves the shared Redis as it found it. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = await connectRedis(url, 'test-cleanup');
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
