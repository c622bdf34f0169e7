import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration, parseSize } from './units.js';

export type NodeEnv = 'production' | 'development' | 'test';

export interface SeedUser {
  email: string;
  password: string;
  role: 'user' | 'admin';
}

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  storageDir: string;
  databaseUrl: string;
  redisUrl: string | null;
  /** Namespaces every Redis key (queue, locks, Socket.IO), so several instances can share one Redis. */
  redisPrefix: string;
  jwtSecret: string;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  maxUploadSize: number;
  /** The largest request body an upload request may carry (Upload-Limit max-append-size); null: no limit. */
  maxChunkSize: number | null;
  uploadExpirationMs: number;
  /** DEFAULT_FILE_TTL: how long a new file is kept before the sweep deletes it; null: forever. */
  defaultFileTtlMs: number | null;
  allowedFileTypes: string[] | null;
  seedUsers: SeedUser[];
  logLevel: string;
  runWorkers: boolean;
  workerConcurrency: number;
  jobAttempts: number;
  jobBackoffMs: number;
  jobLeaseMs: number;
  shutdownTimeoutMs: number;
  /** Requests per client address and minute to register, login and refresh. */
  authRateLimit: number;
  /** API requests per minute: per user when signed in, per address otherwise. */
  rateLimit: number;
  /** Bytes each account may use unless it has a quota of its own; null: no limit. */
  defaultQuotaBytes: number | null;
  /** How long cached file metadata may be served; 0: not cached. */
  cacheTtlMs: number;
  trustProxy: boolean | number | string;
  /** Where clients reach this deployment (`https://files.example.com`), no trailing slash; null: answer with relative URLs. */
  publicUrl: string | null;
  /** Who hears `file:created`: every connected user, or only the owner and admins. */
  announceUploads: AnnounceUploads;
  /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>`; null: open (keep it behind the proxy). */
  metricsToken: string | null;
  clientDir: string;
  /** ENCRYPTION_KEY: the master key that wraps every new stored object's data key; null: new objects are stored as they are. */
  encryptionKey: Buffer | null;
  /** ENCRYPTION_KEY_PREVIOUS: a rotated-out master key that still unwraps the objects stored under it. */
  encryptionKeyPrevious: Buffer | null;
  /** Where uploads, files and derived files live: STORAGE_DIR (`fs`) or an S3 bucket. */
  storage: StorageConfig;
}

export type StorageConfig = { kind: 'fs' } | S3Config;

export interface S3Config {
  kind: 's3';
  /** null: AWS itself, found from the region. */
  endpoint: string | null;
  region: string;
  bucket: string;
  /** null: the AWS SDK's own credential chain (environment, instance role, ...). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  forcePathStyle: boolean;
  /** The size of each part of a multipart upload; S3 wants 5 MiB at least. */
  partSize: number;
  /**
   * The AWS SDK's requestChecksumCalculation/responseChecksumValidation: `WHEN_SUPPORTED` (its
   * default) adds streaming checksums many S3-compatible servers refuse (Ceph 16: 411
   * MissingContentLength); `WHEN_REQUIRED` sends them only where S3 requires them.
   */
  checksums: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
}

export type AnnounceUploads = 'everyone' | 'owner';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEV_SEED_USERS = 'admin@example.com:admin123:admin,user@example.com:user123:user';
const DEFAULT_CLIENT_DIR = fileURLToPath(new URL('../../../client/dist', import.meta.url));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates the whole configuration once. Every problem is collected so a person fixing
 * their environment sees all of them at once, each naming its variable.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  function parsed<T>(name: string, fallback: T, parse: (v: string) => T | null, expected: string): T {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = parse(raw);
    if (value === null) {
      problems.push(`${name} must be ${expected} (got ${JSON.stringify(raw)})`);
      return fallback;
    }
    return value;
  }
  const integer = (min: number, max: number) => (v: string) => {
    const n = Number(v);
    return /^\d+$/.test(v) && n >= min && n <= max ? n : null;
  };
  const positive =
    <T extends number | null>(parse: (v: string) => T) =>
    (v: string) => {
      const n = parse(v);
      return n !== null && n > 0 ? n : null;
    };
  const bool = (v: string) => (/^(1|true|yes|on)$/i.test(v) ? true : /^(0|false|no|off)$/i.test(v) ? false : null);

  const rawEnv = read('NODE_ENV') ?? 'development';
  const nodeEnv: NodeEnv = rawEnv === 'production' || rawEnv === 'test' ? rawEnv : 'development';
  const production = nodeEnv === 'production';

  const port = parsed('PORT', 3000, integer(0, 65535), 'a port number from 0 to 65535');
  const host = read('HOST') ?? '0.0.0.0';
  const storageDir = path.resolve(read('STORAGE_DIR') ?? './storage');
  const databaseUrl = parsed(
    'DATABASE_URL',
    `sqlite:${path.join(storageDir, 'dropline.db')}`,
    parseDatabaseUrl,
    'a postgres:// URL or a sqlite:<path>',
  );
  const redisUrl = parsed('REDIS_URL', null, (v) => (/^rediss?:\/\//.test(v) ? v : null), 'a redis:// or rediss:// URL');

  const redisPrefix = parsed(
    'REDIS_PREFIX',
    'dropline',
    (v) => (/^[\w.-]{1,64}$/.test(v) ? v : null),
    'letters, digits, dots, dashes or underscores',
  );
  const accessTokenTtlMs = parsed('ACCESS_TOKEN_TTL', 15 * 60e3, positive(parseDuration), 'a duration such as 15m');
  const refreshTokenTtlMs = parsed('REFRESH_TOKEN_TTL', 7 * 86400e3, positive(parseDuration), 'a duration such as 7d');
  const maxUploadSize = parsed('MAX_UPLOAD_SIZE', 50 * 2 ** 30, positive(parseSize), 'a size in bytes or like 50GiB');
  const maxChunkSize = parsed<number | null>('MAX_CHUNK_SIZE', null, positive(parseSize), 'a size in bytes or like 95MiB');
  const uploadExpirationMs = parsed('UPLOAD_EXPIRATION', 24 * 3600e3, positive(parseDuration), 'a duration such as 24h');
  const defaultFileTtlMs = parsed<number | null>('DEFAULT_FILE_TTL', null, positive(parseDuration), 'a duration such as 30d');
  const allowedFileTypes = parsed('ALLOWED_FILE_TYPES', null, parseAllowedTypes, 'a comma list of extensions (.iso) and MIME types (image/*)');
  const seedUsers = parsed(
    'SEED_USERS',
    production ? [] : (parseSeedUsers(DEV_SEED_USERS) ?? []),
    parseSeedUsers,
    'a comma list of email:password:role (role user or admin)',
  );
  const logLevel = parsed(
    'LOG_LEVEL',
    nodeEnv === 'test' ? 'silent' : 'info',
    (v) => (LOG_LEVELS.includes(v) ? v : null),
    `one of ${LOG_LEVELS.join(', ')}`,
  );
  const runWorkers = parsed('RUN_WORKERS', true, bool, 'true or false');
  const workerConcurrency = parsed('WORKER_CONCURRENCY', availableParallelism(), integer(1, 256), 'a whole number from 1 to 256');
  const jobAttempts = parsed('JOB_ATTEMPTS', 3, integer(1, 100), 'a whole number from 1 to 100');
  const jobBackoffMs = parsed('JOB_BACKOFF', 1000, parseDuration, 'a duration such as 1s');
  const jobLeaseMs = parsed('JOB_LEASE', 30e3, positive(parseDuration), 'a duration such as 30s');
  const authRateLimit = parsed('AUTH_RATE_LIMIT', 20, integer(1, 1_000_000), 'a whole number of requests per minute');
  const rateLimit = parsed('RATE_LIMIT', 100, integer(1, 1_000_000), 'a whole number of requests per minute');
  const defaultQuotaBytes = parsed('DEFAULT_QUOTA_BYTES', null, parseSize, 'a size in bytes or like 10GiB');
  const cacheTtlMs = parsed('CACHE_TTL', 5 * 60e3, parseDuration, 'a duration such as 5m (0 turns the cache off)');
  const shutdownTimeoutMs = parsed('SHUTDOWN_TIMEOUT', 10e3, parseDuration, 'a duration such as 10s');
  const trustProxy = parsed<boolean | number | string>(
    'TRUST_PROXY',
    false,
    (v) => bool(v) ?? (/^\d+$/.test(v) ? Number(v) : v),
    'true, false, a hop count or a subnet list',
  );
  const publicUrl = parsed('PUBLIC_URL', null, parsePublicUrl, 'an absolute http:// or https:// URL without credentials, query or fragment');
  const metricsToken = parsed(
    'METRICS_TOKEN',
    null,
    (v) => (/^[A-Za-z0-9._~+/=-]{16,512}$/.test(v) ? v : null),
    'at least 16 characters of letters, digits or ._~+/=-',
  );
  const announceUploads = parsed<AnnounceUploads>(
    'ANNOUNCE_UPLOADS',
    'everyone',
    (v) => (v === 'everyone' || v === 'owner' ? v : null),
    'everyone or owner',
  );
  const clientDir = path.resolve(read('CLIENT_DIR') ?? DEFAULT_CLIENT_DIR);
  // Keys are secrets: a bad one is named, never echoed.
  const masterKey = (name: string): Buffer | null => {
    const raw = read(name);
    const key = raw === undefined ? null : parseMasterKey(raw);
    if (raw !== undefined && key === null) problems.push(`${name} must be exactly 32 bytes, base64-encoded (e.g. from \`openssl rand -base64 32\`)`);
    return key;
  };
  const encryptionKey = masterKey('ENCRYPTION_KEY');
  const encryptionKeyPrevious = masterKey('ENCRYPTION_KEY_PREVIOUS');
  const storageKind = parsed<'fs' | 's3'>('STORAGE', 'fs', (v) => (v === 'fs' || v === 's3' ? v : null), 'fs or s3');
  let storage: StorageConfig = { kind: 'fs' };
  if (storageKind === 's3') {
    const endpoint = parsed<string | null>(
      'S3_ENDPOINT',
      null,
      (v) => (/^https?:\/\/[^/?#\s]+\/?$/.test(v) ? v.replace(/\/$/, '') : null),
      'an http:// or https:// URL of the S3 server (scheme, host and port only)',
    );
    const bucket = read('S3_BUCKET');
    if (bucket === undefined) problems.push('S3_BUCKET is required when STORAGE=s3');
    else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      problems.push(`S3_BUCKET must be a bucket name: 3 to 63 lower-case letters, digits, dots or dashes (got ${JSON.stringify(bucket)})`);
    const accessKeyId = read('S3_ACCESS_KEY_ID');
    const secretAccessKey = read('S3_SECRET_ACCESS_KEY');
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
      problems.push("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK's own credentials");
    // AWS itself computes the SDK's default checksums; other S3 servers often refuse them.
    const onAws = endpoint === null || /\.amazonaws\.com(\.cn)?(:\d+)?$/i.test(new URL(endpoint).host);
    storage = {
      kind: 's3',
      endpoint,
      region: parsed('S3_REGION', 'us-east-1', (v) => (/^[a-z0-9-]{1,64}$/.test(v) ? v : null), 'a region name such as us-east-1'),
      bucket: bucket ?? '',
      credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : null,
      forcePathStyle: parsed('S3_FORCE_PATH_STYLE', false, bool, 'true or false'),
      partSize: parsed(
        'S3_PART_SIZE',
        8 * 2 ** 20,
        (v) => {
          const size = parseSize(v);
          return size !== null && size >= 5 * 2 ** 20 && size <= 5 * 2 ** 30 ? size : null;
        },
        'a size from 5MiB to 5GiB',
      ),
      checksums: parsed<'WHEN_REQUIRED' | 'WHEN_SUPPORTED'>(
        'S3_CHECKSUMS',
        onAws ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED',
        (v) => (/^when_required$/i.test(v) ? 'WHEN_REQUIRED' : /^when_supported$/i.test(v) ? 'WHEN_SUPPORTED' : null),
        'when_required or when_supported',
      ),
    };
  }

  let jwtSecret = read('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters long');
  }
  if (jwtSecret === undefined && production) {
    problems.push(
      'JWT_SECRET is required when NODE_ENV=production: at least 32 random characters, e.g. from `openssl rand -base64 48` (with docker-compose, in the .env file beside docker-compose.yml)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  jwtSecret ??= loadOrCreateDevSecret(storageDir);

  return {
    nodeEnv,
    port,
    host,
    storageDir,
    databaseUrl,
    redisUrl,
    redisPrefix,
    jwtSecret,
    accessTokenTtlMs,
    refreshTokenTtlMs,
    maxUploadSize,
    maxChunkSize,
    uploadExpirationMs,
    defaultFileTtlMs,
    allowedFileTypes,
    seedUsers,
    logLevel,
    runWorkers,
    workerConcurrency,
    jobAttempts,
    jobBackoffMs,
    jobLeaseMs,
    shutdownTimeoutMs,
    authRateLimit,
    rateLimit,
    defaultQuotaBytes,
    cacheTtlMs,
    trustProxy,
    publicUrl,
    announceUploads,
    metricsToken,
    clientDir,
    encryptionKey,
    encryptionKeyPrevious,
    storage,
  };
}

/** 32 bytes in base64 (either alphabet, padding optional); Buffer.from alone would skip any junk it meets. */
function parseMasterKey(value: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return null;
  const key = Buffer.from(value, 'base64');
  return key.length === 32 ? key : null;
}

function parseDatabaseUrl(value: string): string | null {
  if (/^postgres(ql)?:\/\//.test(value)) return value;
  const file = value.replace(/^sqlite:(\/\/)?/, '').replace(/^file:/, '');
  if (file === '') return null;
  return `sqlite:${file === ':memory:' ? file : path.resolve(file)}`;
}

/** The origin (and optional path prefix) that absolute URLs are built from instead of a client's Host header. */
function parsePublicUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    value.includes('?') ||
    value.includes('#')
  ) {
    return null;
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parseAllowedTypes(value: string): string[] | null {
  const types = value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const valid = types.every((t) => /^\.[a-z0-9][a-z0-9._-]*$/.test(t) || /^[a-z0-9][\w.+-]*\/(\*|[\w.+-]+)$/.test(t));
  return valid && types.length > 0 ? types : null;
}

function parseSeedUsers(value: string): SeedUser[] | null {
  const users: SeedUser[] = [];
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    // The password may itself contain ':', so the email is the first field and the role the last.
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first < 0 || last === first) return null;
    const role = entry.slice(last + 1);
    if (role !== 'user' && role !== 'admin') return null;
    users.push({ email: entry.slice(0, first), password: entry.slice(first + 1, last), role });
  }
  return users;
}

/** Outside production a secret is generated once and kept, so restarts don't sign everyone out. */
function loadOrCreateDevSecret(storageDir: string): string {
  const file = path.join(storageDir, '.jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(storageDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process starting on the same storage won the race; use its secret.
      return readFileSync(file, 'utf8').trim();
    }
  }
}
