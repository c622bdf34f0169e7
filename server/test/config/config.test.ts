import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { parseDuration, parseSize } from '../../src/config/units.js';
import { startChildServer } from '../helpers/childServer.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'dropline-config-'));

describe('loadConfig', () => {
  it('has embedded defaults that need no other service', () => {
    const dir = tempDir();
    const config = loadConfig({ STORAGE_DIR: dir });
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      storageDir: dir,
      databaseUrl: `sqlite:${path.join(dir, 'dropline.db')}`,
      redisUrl: null,
      accessTokenTtlMs: 15 * 60_000,
      refreshTokenTtlMs: 7 * 86_400_000,
      uploadExpirationMs: 24 * 3_600_000,
      allowedFileTypes: null,
      jobAttempts: 3,
      rateLimit: 100,
      defaultQuotaBytes: null,
      cacheTtlMs: 5 * 60_000,
    });
    expect(config.seedUsers.map((u) => u.email)).toEqual(['admin@example.com', 'user@example.com']);
  });

  it('generates a development JWT secret once and keeps it in STORAGE_DIR', () => {
    const dir = tempDir();
    const first = loadConfig({ STORAGE_DIR: dir }).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ STORAGE_DIR: dir }).jwtSecret).toBe(first);
    expect(readFileSync(path.join(dir, '.jwt-secret'), 'utf8')).toBe(first);
    expect(statSync(path.join(dir, '.jwt-secret')).mode & 0o077).toBe(0);
  });

  it('refuses production without JWT_SECRET, and seeds nobody by default there', () => {
    const dir = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', STORAGE_DIR: dir })).toThrow(/JWT_SECRET is required/);
    const config = loadConfig({ NODE_ENV: 'production', STORAGE_DIR: dir, JWT_SECRET: 'p'.repeat(40) });
    expect(config.seedUsers).toEqual([]);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        STORAGE_DIR: tempDir(),
        PORT: 'eighty',
        MAX_UPLOAD_SIZE: '12 parsecs',
        MAX_CHUNK_SIZE: '0',
        ACCESS_TOKEN_TTL: 'soon',
        REDIS_URL: 'localhost:6379',
        SEED_USERS: 'a@b.c:pw:root',
        ALLOWED_FILE_TYPES: 'iso',
        JWT_SECRET: 'short',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'MAX_UPLOAD_SIZE',
      'MAX_CHUNK_SIZE',
      'ACCESS_TOKEN_TTL',
      'REDIS_URL',
      'SEED_USERS',
      'ALLOWED_FILE_TYPES',
      'JWT_SECRET',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('reads RATE_LIMIT, DEFAULT_QUOTA_BYTES and CACHE_TTL, and names them when wrong', () => {
    expect(loadConfig({ STORAGE_DIR: tempDir(), RATE_LIMIT: '30', DEFAULT_QUOTA_BYTES: '10GiB', CACHE_TTL: '0' })).toMatchObject({
      rateLimit: 30,
      defaultQuotaBytes: 10 * 2 ** 30,
      cacheTtlMs: 0,
    });
    let error: unknown;
    try {
      loadConfig({ STORAGE_DIR: tempDir(), RATE_LIMIT: '0', DEFAULT_QUOTA_BYTES: 'lots', CACHE_TTL: 'forever' });
    } catch (err) {
      error = err;
    }
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['RATE_LIMIT', 'DEFAULT_QUOTA_BYTES', 'CACHE_TTL']) expect(problems).toContain(name);
  });

  it('reads DEFAULT_FILE_TTL as a duration (unset: keep forever) and names it when wrong', () => {
    expect(loadConfig({ STORAGE_DIR: tempDir() }).defaultFileTtlMs).toBeNull();
    expect(loadConfig({ STORAGE_DIR: tempDir(), DEFAULT_FILE_TTL: '30d' }).defaultFileTtlMs).toBe(30 * 86_400_000);
    for (const bad of ['0', 'forever', '-1d']) {
      expect(() => loadConfig({ STORAGE_DIR: tempDir(), DEFAULT_FILE_TTL: bad })).toThrow(/DEFAULT_FILE_TTL/);
    }
  });

  it('takes ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS as 32 base64 bytes, and names a bad one without echoing it', () => {
    const key = randomBytes(32);
    const previous = randomBytes(32);
    const config = loadConfig({
      STORAGE_DIR: tempDir(),
      ENCRYPTION_KEY: key.toString('base64'),
      ENCRYPTION_KEY_PREVIOUS: previous.toString('base64url'),
    });
    expect(config.encryptionKey?.equals(key)).toBe(true);
    expect(config.encryptionKeyPrevious?.equals(previous)).toBe(true);
    expect(loadConfig({ STORAGE_DIR: tempDir() })).toMatchObject({ encryptionKey: null, encryptionKeyPrevious: null });
    for (const bad of [
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      `${key.toString('base64').slice(0, 40)}!!!=`,
      'not a key at all',
    ]) {
      let error: unknown;
      try {
        loadConfig({ STORAGE_DIR: tempDir(), ENCRYPTION_KEY: bad });
      } catch (err) {
        error = err;
      }
      const message = (error as ConfigError).message;
      expect(message).toContain('ENCRYPTION_KEY must be exactly 32 bytes');
      expect(message).not.toContain(bad);
    }
  });

  it('parses sizes, durations, type lists and seed users', () => {
    const config = loadConfig({
      STORAGE_DIR: tempDir(),
      MAX_UPLOAD_SIZE: '50GiB',
      MAX_CHUNK_SIZE: '95MiB',
      UPLOAD_EXPIRATION: '2h',
      ALLOWED_FILE_TYPES: '.ISO, .img,image/*',
      SEED_USERS: 'ops@example.com:pa:ss:word:admin',
      DATABASE_URL: 'postgres://u@db:5432/dropline',
    });
    expect(config.maxUploadSize).toBe(50 * 2 ** 30);
    expect(config.maxChunkSize).toBe(95 * 2 ** 20);
    expect(loadConfig({ STORAGE_DIR: tempDir() }).maxChunkSize).toBeNull();
    expect(config.uploadExpirationMs).toBe(7_200_000);
    expect(config.allowedFileTypes).toEqual(['.iso', '.img', 'image/*']);
    expect(config.seedUsers).toEqual([{ email: 'ops@example.com', password: 'pa:ss:word', role: 'admin' }]);
    expect(config.databaseUrl).toBe('postgres://u@db:5432/dropline');
  });

  it('takes PUBLIC_URL as an absolute http(s) URL (trailing slash dropped) and ANNOUNCE_UPLOADS as everyone or owner', () => {
    const defaults = loadConfig({ STORAGE_DIR: tempDir() });
    expect(defaults.publicUrl).toBeNull();
    expect(defaults.announceUploads).toBe('everyone');
    expect(loadConfig({ STORAGE_DIR: tempDir(), PUBLIC_URL: 'https://Files.Example.com/' }).publicUrl).toBe('https://files.example.com');
    expect(loadConfig({ STORAGE_DIR: tempDir(), PUBLIC_URL: 'http://10.0.0.5:8080/dropline/' }).publicUrl).toBe('http://10.0.0.5:8080/dropline');
    expect(loadConfig({ STORAGE_DIR: tempDir(), ANNOUNCE_UPLOADS: 'owner' }).announceUploads).toBe('owner');
  });

  it.each([
    ['PUBLIC_URL', 'files.example.com'],
    ['PUBLIC_URL', 'ftp://files.example.com'],
    ['PUBLIC_URL', 'https://user:secret@files.example.com'],
    ['PUBLIC_URL', 'https://files.example.com/?x=1'],
    ['PUBLIC_URL', 'https://files.example.com/#top'],
    ['PUBLIC_URL', 'javascript:alert(1)'],
    ['ANNOUNCE_UPLOADS', 'nobody'],
    ['ANNOUNCE_UPLOADS', 'Everyone'],
  ])('refuses %s=%s', (name, value) => {
    const err = (() => {
      try {
        loadConfig({ STORAGE_DIR: tempDir(), [name]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toContain(name);
  });
});

describe('units', () => {
  it.each([
    ['1048576', 1048576],
    ['50GiB', 50 * 2 ** 30],
    ['1.5 GB', 1.5e9],
    ['10mib', 10 * 2 ** 20],
    ['5 apples', null],
    ['-1', null],
  ])('parseSize(%s)', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each([
    ['15m', 900_000],
    ['7d', 604_800_000],
    ['30', 30_000],
    ['250ms', 250],
    ['tomorrow', null],
  ])('parseDuration(%s)', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('the server process', () => {
  it('exits non-zero with a message naming the variable', async () => {
    await expect(startChildServer({ NODE_ENV: 'production', STORAGE_DIR: tempDir() })).rejects.toThrow(
      /exited with 78[\s\S]*JWT_SECRET is required when NODE_ENV=production/,
    );
  });
});
