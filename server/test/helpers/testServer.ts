import { createHash } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.js';
import type { Storage } from '../../src/storage/blobStore.js';
import { createStorage } from '../../src/storage/createStorage.js';
import { StorageLayout } from '../../src/storage/storageLayout.js';
import { openDatabase, type Db, type DatabaseHandle } from '../../src/db/database.js';
import { EncryptionKeysRepository } from '../../src/encryption/encryptionKeys.repository.js';
import { encryptedStorage } from '../../src/storage/encryption/encryptedStorage.js';
import { MasterKeys } from '../../src/storage/encryption/masterKeys.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { expect, inject } from 'vitest';
import { createPostgresDatabase, deleteRedisKeys } from './services.js';
// The type of what the S3 gateway provides (inject('s3Env')), for every program that compiles this file.
import type {} from './s3Gateway.js';

/** Whether this run encrypts at rest: the encryption matrix (vitest.encrypted.config.ts) sets ENCRYPTION=on. */
export const TEST_ENCRYPTION = process.env.ENCRYPTION === 'on';
/** The master key of the encryption matrix: one for the whole run, so restarted and second servers read what the first stored. */
const TEST_ENCRYPTION_KEY = 'ZHJvcGxpbmUgdGVzdCBtYXN0ZXIga2V5LCAzMiBieXQ=';

/** Which backend this run stores on: the S3 matrix (vitest.s3.config.ts) sets STORAGE=s3. */
export const TEST_STORAGE = process.env.STORAGE === 's3' ? 's3' : 'fs';

/**
 * The storage variables of a server on `storageDir`: nothing extra on the filesystem; on S3 the run's
 * gateway and a bucket named after the directory (created here), so servers given the same
 * STORAGE_DIR (a restart, a second node) share the bucket as they would share the directory.
 */
export async function testStorageEnv(storageDir: string): Promise<Record<string, string>> {
  const encryption: Record<string, string> = TEST_ENCRYPTION ? { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {};
  if (TEST_STORAGE === 'fs') return encryption;
  const gateway = inject('s3Env');
  const bucket = `dropline-test-${createHash('sha256').update(storageDir).digest('hex').slice(0, 20)}`;
  const client = new S3Client({
    endpoint: gateway.S3_ENDPOINT,
    region: gateway.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: gateway.S3_ACCESS_KEY_ID!, secretAccessKey: gateway.S3_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as Error).name !== 'BucketAlreadyOwnedByYou' && (err as Error).name !== 'BucketAlreadyExists') throw err;
  } finally {
    client.destroy();
  }
  return { ...gateway, STORAGE: 's3', S3_BUCKET: bucket, ...encryption };
}

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

/** A logger at `info` (for `startTestServer({ log })`) that keeps what it writes, for tests that read the log. */
export interface CapturedLog {
  log: Logger;
  /** Everything written so far. */
  text(): string;
  /** Each line written so far, parsed. */
  records(): Array<Record<string, unknown>>;
}

export function capturedLog(): CapturedLog {
  const chunks: string[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    log: createLogger('info', sink),
    text,
    records: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface TestServer extends RunningServer {
  config: Config;
  storageDir: string;
  api: Api;
  /** Starts a new server process-in-process on the same storage and database (a restart). */
  restart(): Promise<TestServer>;
  stop(): Promise<void>;
}

export interface StartOptions extends ServerOptions {
  env?: Record<string, string>;
  database?: 'sqlite' | 'postgres';
}

/** A real server on an ephemeral port with a fresh temporary STORAGE_DIR (and database). */
export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-test-'));
  const pgDb = options.database === 'postgres' ? await createPostgresDatabase() : null;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    STORAGE_DIR: storageDir,
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_USERS: `${ADMIN.email}:${ADMIN.password}:admin`,
    CLIENT_DIR: path.join(storageDir, 'no-client'),
    // Suites sign many users in from one address; the limit has a test of its own.
    AUTH_RATE_LIMIT: '100000',
    RATE_LIMIT: '100000',
    // Suites change rows behind the server's back (a crash at the wrong moment); the cache has tests of its own.
    CACHE_TTL: '0',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    ...(await testStorageEnv(options.env?.STORAGE_DIR ?? storageDir)),
    // Test servers share one Redis; each gets its own key space (and removes it when done).
    REDIS_PREFIX: `dropline-test-${path.basename(storageDir)}`,
    ...options.env,
  };
  const cleanup = async () => {
    await rm(storageDir, { recursive: true, force: true });
    await pgDb?.drop();
    if (env.REDIS_URL) await deleteRedisKeys(env.REDIS_URL, env.REDIS_PREFIX!);
  };
  const launch = async (): Promise<TestServer> => {
    const config = loadConfig(env);
    const running = await startServer(config, options);
    const self: TestServer = {
      ...running,
      config,
      storageDir,
      api: new Api(running.url),
      restart: async () => {
        await running.close();
        return launch();
      },
      stop: async () => {
        await running.close();
        await storageDatabases.get(config.databaseUrl)?.close();
        storageDatabases.delete(config.databaseUrl);
        await cleanup();
      },
    };
    return self;
  };
  return launch();
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A thin fetch wrapper: JSON in, JSON (or text) out, optional bearer token. */
/** The contract's answer to every bad credential: 401, `WWW-Authenticate: Bearer`, a JSON error. */
export function expectRefused(res: ApiResponse, code = 'invalid_token'): void {
  expect(res.status, JSON.stringify(res.body)).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Bearer');
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(errorCode(res)).toBe(code);
}

export class Api {
  constructor(readonly base: string) {}

  async request<T = any>(
    method: string,
    url: string,
    init: { token?: string; json?: unknown; headers?: Record<string, string>; body?: RequestInit['body'] } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(this.base + url, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get = <T = any>(url: string, token?: string) => this.request<T>('GET', url, { token });
  post = <T = any>(url: string, json?: unknown, token?: string) => this.request<T>('POST', url, { json, token });
  patch = <T = any>(url: string, json: unknown, token?: string) => this.request<T>('PATCH', url, { json, token });
  delete = <T = any>(url: string, token?: string) => this.request<T>('DELETE', url, { token });

  /** Registers a fresh user (unique email) and returns its tokens. */
  async newUser(prefix = 'user'): Promise<{ id: string; email: string; token: string; refreshToken: string }> {
    const email = `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
    const res = await this.post('/api/auth/register', { email, password: 'correct horse battery' });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.user.id, email, token: res.body.accessToken, refreshToken: res.body.refreshToken };
  }

  async login(email: string, password: string): Promise<string> {
    const res = await this.post('/api/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    return res.body.accessToken;
  }
}

/**
 * The server's storage, opened beside it: tests look at (or damage) stored bytes through the same
 * interface the server uses, whichever backend the run is on.
 */
export async function storageOf(s: TestServer): Promise<Storage> {
  const layout = new StorageLayout(s.config.storageDir);
  const database = storageDatabases.get(s.config.databaseUrl) ?? openDatabase(s.config.databaseUrl);
  storageDatabases.set(s.config.databaseUrl, database);
  const keys = new MasterKeys(s.config.encryptionKey, s.config.encryptionKeyPrevious);
  return encryptedStorage(await createStorage(s.config, layout), keys, new EncryptionKeysRepository(database.db), layout);
}

/** storageOf's database handles (encryption keys are read there), closed when their server stops. */
const storageDatabases = new Map<string, DatabaseHandle>();

/** Every stored key under `prefix` (`uploads/<id>`, `derived/<id>/`). */
export async function storedKeys(s: TestServer, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of (await storageOf(s)).blobs.list(prefix)) keys.push(key);
  return keys;
}

/** A stored file's (or finished upload's) bytes, read whole: for small test files. */
export async function storedBytes(s: TestServer, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await (await storageOf(s)).blobs.read(`uploads/${id}`)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Whether anything of an upload is still stored: its bytes, its tus info, or a side file of a request. */
export async function isStored(s: TestServer, id: string): Promise<boolean> {
  const storage = await storageOf(s);
  if ((await storedKeys(s, `uploads/${id}`)).length > 0 || (await storage.uploads.ids()).includes(id)) return true;
  try {
    await access(storage.uploads.scratchPath(id));
    return true;
  } catch {
    return false;
  }
}

/** Everything stored for uploads (bytes and info of each), sorted: to see that a refused request kept nothing. */
export async function storedUploads(s: TestServer): Promise<string[]> {
  const info = (await (await storageOf(s)).uploads.ids()).map((id) => `info:${id}`);
  return [...(await storedKeys(s, 'uploads/')), ...info].sort();
}

/** Reads or edits the server's database behind its back, as a crash at the wrong moment would. */
export async function withDatabase<T>(s: TestServer, use: (db: Db) => Promise<T>): Promise<T> {
  const handle = openDatabase(s.config.databaseUrl);
  try {
    return await use(handle.db);
  } finally {
    await handle.close();
  }
}

/** The jobs table's rows for one file. */
export const jobsFor = (s: TestServer, fileId: string) =>
  withDatabase(s, (db) => db.selectFrom('jobs').select(['id', 'state']).where('file_id', '=', fileId).execute());

/** Every error body has the contract's shape; returns its code for a focused assertion. */
export function errorCode(res: ApiResponse): string {
  const error = res.body?.error;
  if (typeof error?.code !== 'string' || typeof error?.message !== 'string' || Object.keys(res.body).length !== 1) {
    throw new Error(`not a contract error body: ${JSON.stringify(res.body)}`);
  }
  return error.code;
}

/** Polls `probe` until it gives a truthy value; fails naming `what` after the timeout. */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until a file is processed (or failed) and returns it. */
export const settledFile = (api: Api, token: string, id: string) =>
  waitFor(async () => {
    const res = await api.get(`/api/files/${id}`, token);
    return res.status === 200 && ['processed', 'failed'].includes(res.body.status) ? res.body : undefined;
  }, `file ${id} to be processed`);
