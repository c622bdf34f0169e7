import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuSecondsOf, rawRequest, sampleMax, startHostileServer, type HostileServer } from '../helpers/hostile.js';
import { REDIS_URL, deleteRedisKeys, redisAvailable } from '../helpers/services.js';
import { TUS_RESUMABLE, createUpload, patchUpload } from '../helpers/tus.js';

const MiB = 1024 * 1024;
const redisUp = await redisAvailable();

describe.each([
  { locks: 'in-process', env: {} as Record<string, string> },
  ...(redisUp ? [{ locks: 'Redis', env: { REDIS_URL, REDIS_PREFIX: `dropline-test-locks-${process.pid}` } }] : []),
])('20 concurrent PATCHes on one upload ($locks locks)', ({ env }) => {
  let s: HostileServer;
  beforeAll(async () => {
    s = await startHostileServer(env);
  });
  afterAll(async () => {
    await s?.stop();
    if (env.REDIS_URL) await deleteRedisKeys(env.REDIS_URL, env.REDIS_PREFIX!);
  });

  it('costs no memory or CPU while they wait, never answers 5xx, and the bytes end intact', { timeout: 60_000 }, async () => {
    const data = randomBytes(2 * MiB);
    // Warm up the paths a PATCH takes, so the baseline is a server that has served one.
    const warm = await createUpload(s.api, s.token, { length: 10, metadata: { filename: 'warm.bin' } });
    expect((await patchUpload(s.api, s.token, warm.path, 0, randomBytes(10))).status).toBe(204);
    const upload = await createUpload(s.api, s.token, { length: data.length, metadata: { filename: 'contended.bin' } });
    expect(upload.status).toBe(201);

    const pid = s.child.process.pid!;
    const baseline = await s.rss();
    const cpuBefore = await cpuSecondsOf(pid);
    const peak = sampleMax(() => s.rss());
    // Each sends the same first 64 KiB of the upload, then stalls as a dead connection would.
    const head =
      `PATCH ${upload.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${s.token}\r\nTus-Resumable: 1.0.0\r\n` +
      `Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: ${data.length}\r\n\r\n`;
    const replies = [];
    for (let i = 0; i < 20; i++) {
      replies.push(rawRequest(s.port, head, data.subarray(0, 64 * 1024), { timeoutMs: 20_000 }));
      await new Promise((r) => setTimeout(r, 20));
    }
    const answered = await Promise.all(replies);
    const cpu = (await cpuSecondsOf(pid)) - cpuBefore;
    const maxRss = await peak.stop();

    // Waiting is a few closures per upload and a timer, not a spinning retry chain.
    expect(maxRss - baseline).toBeLessThan(30 * MiB);
    // Over the ~3 s the holder takes to drain, a polling locker burns a whole core (tus' MemoryLocker: 1.9 s of CPU and +160 MB here).
    expect(cpu).toBeLessThan(1);
    const statuses = answered.map((r) => r.status);
    for (const reply of answered) expect(reply.status === null || reply.status < 500, reply.raw).toBe(true);
    // All but the holder and the newest waiter were told at once that the upload is busy.
    expect(statuses.filter((x) => x === 423).length).toBeGreaterThanOrEqual(18);
    for (const reply of answered.filter((r) => r.status === 423)) expect(reply.raw).toContain('"code":"upload_busy"');
    expect(s.alive()).toBe(true);

    // The client resumes from the server's offset; the stored bytes are exactly the upload's.
    const offset = Number((await s.api.request('HEAD', upload.path, { token: s.token, headers: TUS_RESUMABLE })).headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(0);
    expect((await patchUpload(s.api, s.token, upload.path, offset, data.subarray(offset))).status).toBe(204);
    const content = await fetch(`${s.url}/api/files/${upload.id}/content`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(Buffer.from(await content.arrayBuffer()).equals(data)).toBe(true);
    expect(path.basename(upload.path)).toBe(upload.id);
  });
});
