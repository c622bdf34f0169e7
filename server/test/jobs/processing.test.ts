import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileProcessor } from '../../src/jobs/processing.service.js';
import { processFile } from '../../src/jobs/processors/index.js';
import { buildIso } from '../processors/formatBuilders.js';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { ADMIN, errorCode, startTestServer, storedKeys, type TestServer } from '../helpers/testServer.js';
import { randomData, sha256, uploadFile } from '../helpers/tus.js';

// The same suite runs on the embedded queue and, where Redis answers, on BullMQ.
const queues: Array<[string, Record<string, string>]> = [['embedded', {}]];
if (await redisAvailable()) queues.push(['bullmq', { REDIS_URL }]);

/** Files named `flaky-*` fail while `flaky.failing` is true; every other file is processed for real. */
const flaky = { failing: true, calls: 0 };
const processor: FileProcessor = async (input) => {
  if (input.filename.startsWith('flaky-')) {
    flaky.calls++;
    if (flaky.failing) throw new Error('The test processor was told to fail.');
  }
  return processFile(input);
};

describe.each(queues)('processing on the %s queue', (_kind, env) => {
  let s: TestServer;
  let user: Awaited<ReturnType<TestServer['api']['newUser']>>;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer({ env: { ...env, JOB_ATTEMPTS: '3', JOB_BACKOFF: '20ms', WORKER_CONCURRENCY: '2' }, processor });
    user = await s.api.newUser();
    admin = await s.api.login(ADMIN.email, ADMIN.password);
  });
  afterAll(() => s?.stop());

  async function settled(id: string, token = user.token, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const file = (await s.api.get(`/api/files/${id}`, token)).body;
      if (file.status === 'processed' || file.status === 'failed') return file;
      if (Date.now() > deadline) throw new Error(`file ${id} stuck in ${file.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('processes a text file: checksum, counts and first lines', async () => {
    const text = Buffer.from('first line\nsecond line here\nthird\n');
    const id = await uploadFile(s.api, user.token, text, { filename: 'notes.txt', filetype: 'text/plain' });
    const file = await settled(id);
    expect(file).toMatchObject({ status: 'processed', sha256: sha256(text), error: null, processedAt: expect.any(String) });
    expect(file.extracted).toMatchObject({ kind: 'text', lines: 3, words: 6, bytes: text.length });
    expect(file.extracted.firstLines[0]).toBe('first line');
  });

  it('processes an image: dimensions and a thumbnail served to its owner only', async () => {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const id = await uploadFile(s.api, user.token, png, { filename: 'photo.png', filetype: 'image/png' });
    const file = await settled(id);
    expect(file).toMatchObject({ status: 'processed', sha256: sha256(png) });
    expect(file.extracted).toMatchObject({ kind: 'image', width: 640, height: 480, thumbnail: true });

    const thumb = await fetch(`${s.url}/api/files/${id}/thumbnail`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);

    const stranger = await s.api.newUser('stranger');
    expect((await s.api.get(`/api/files/${id}/thumbnail`, stranger.token)).status).toBe(404);
    expect((await s.api.get(`/api/files/${id}/thumbnail`)).status).toBe(401);
  });

  it('processes an ISO 9660 image: volume label', async () => {
    const iso = buildIso([{ type: 1, label: 'DROPLINE_TEST', systemId: 'LINUX' }, { type: 255 }]);
    const id = await uploadFile(s.api, user.token, iso, { filename: 'disk.iso' });
    const file = await settled(id);
    expect(file).toMatchObject({ status: 'processed', sha256: sha256(iso) });
    expect(file.extracted).toMatchObject({ kind: 'iso', iso: { valid: true, label: 'DROPLINE_TEST' } });
  });

  it('processes a random binary', async () => {
    const data = randomData(300_000);
    const id = await uploadFile(s.api, user.token, data, { filename: 'blob.bin' });
    const file = await settled(id);
    expect(file).toMatchObject({ status: 'processed', sha256: sha256(data) });
    expect(file.extracted.kind).toBe('binary');
    // A file with no thumbnail answers 404 on that route.
    expect(errorCode(await s.api.get(`/api/files/${id}/thumbnail`, user.token))).toBe('not_found');
  });

  it('fails after the configured attempts, then succeeds on a manual retry and on reprocess', async () => {
    flaky.failing = true;
    flaky.calls = 0;
    const data = randomData(1000);
    const id = await uploadFile(s.api, user.token, data, { filename: 'flaky-1.bin' });
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: 'failed', error: 'The test processor was told to fail.', sha256: null });
    expect(flaky.calls).toBe(3);

    // The file is marked failed inside the job's last attempt; the queue records the job's end just after.
    const failedJob = async () => (await s.api.get('/api/jobs?status=failed', admin)).body.items.find((j: { fileId: string }) => j.fileId === id);
    await expect.poll(failedJob, { timeout: 10_000 }).toBeDefined();
    const job = await failedJob();
    expect(job).toMatchObject({ state: 'failed', attempts: 3, maxAttempts: 3, lastError: 'The test processor was told to fail.' });
    expect((await s.api.get(`/api/jobs/${job.id}`, admin)).body.state).toBe('failed');

    flaky.failing = false;
    expect((await s.api.post(`/api/jobs/${job.id}/retry`, undefined, admin)).status).toBe(202);
    // Queued again, the file no longer shows its old failure.
    expect((await s.api.get(`/api/files/${id}`, user.token)).body.status).not.toBe('failed');
    expect(await settled(id)).toMatchObject({ status: 'processed', error: null, sha256: sha256(data) });
    expect((await s.api.get(`/api/jobs/${job.id}`, admin)).body).toMatchObject({ state: 'completed', attempts: 1 });

    // Owners ask for processing again through the files API.
    expect((await s.api.post(`/api/files/${id}/reprocess`, undefined, user.token)).status).toBe(202);
    await expect.poll(async () => flaky.calls, { timeout: 10_000 }).toBe(5);
    expect(await settled(id)).toMatchObject({ status: 'processed' });
  });

  it('reports job stats and refuses to retry a job that is not finished', async () => {
    const stats = await s.api.get('/api/jobs/stats', admin);
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.body).sort()).toEqual(['completed', 'failed', 'processing', 'queued']);
    expect(stats.body.completed).toBeGreaterThanOrEqual(4);
    expect((await s.api.get('/api/jobs/nope', admin)).status).toBe(404);
    expect(errorCode(await s.api.get('/api/jobs?status=exploded', admin))).toBe('invalid_status');
  });

  it('keeps job routes for admins: others get 403', async () => {
    for (const [method, url] of [
      ['GET', '/api/jobs'],
      ['GET', '/api/jobs/stats'],
      ['GET', '/api/jobs/some-id'],
      ['POST', '/api/jobs/some-id/retry'],
      ['DELETE', '/api/jobs/some-id'],
    ] as const) {
      const res = await s.api.request(method, url, { token: user.token });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe('forbidden');
    }
  });

  it('survives deleting a file while its job runs, leaving no derived files behind', async () => {
    const png = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: '#aa3300' } })
      .png()
      .toBuffer();
    const id = await uploadFile(s.api, user.token, png, { filename: 'doomed.png' });
    await expect.poll(async () => (await s.api.get(`/api/files/${id}`, user.token)).body.status, { timeout: 10_000 }).not.toBe('uploaded');
    expect((await s.api.delete(`/api/files/${id}`, user.token)).status).toBe(204);
    // The worker carries on with other files.
    const after = await uploadFile(s.api, user.token, Buffer.from('still alive\n'), { filename: 'after.txt' });
    expect((await settled(after)).status).toBe('processed');
    await new Promise((r) => setTimeout(r, 300));
    expect(await storedKeys(s, `derived/${id}/`)).toEqual([]);
    expect((await s.api.get(`/api/files/${id}`, user.token)).status).toBe(404);
  });
});
