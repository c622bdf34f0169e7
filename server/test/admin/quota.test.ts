import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { ADMIN, errorCode, startTestServer, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

const QUOTA = 10_000;

describe.each(databases)('quotas on %s', (database) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer({ database, env: { DEFAULT_QUOTA_BYTES: String(QUOTA), UPLOAD_EXPIRATION: '2s' } });
    admin = await s.api.login(ADMIN.email, ADMIN.password);
  });
  afterAll(() => s?.stop());

  const usage = async (token: string) => (await s.api.get('/api/auth/me', token)).body.usage;
  /** What counts against the quota: finished files and unfinished uploads' reservations. */
  const used = async (token: string) => {
    const u = await usage(token);
    return u.bytes + u.reservedBytes;
  };

  const postForm = (token: string, data: Buffer) => {
    const form = new FormData();
    form.set('file', new Blob([data]), 'form.bin');
    return s.api.request('POST', '/api/files', { token, body: form });
  };

  it('counts declared lengths at creation, refuses what does not fit, and releases on termination', async () => {
    const user = await s.api.newUser('quota');
    expect(await usage(user.token)).toEqual({ bytes: 0, files: 0, reservedBytes: 0, quotaBytes: QUOTA });
    const first = await createUpload(s.api, user.token, { length: 6000, metadata: { filename: 'a.bin' } });
    expect(first.status).toBe(201);
    expect(await usage(user.token)).toEqual({ bytes: 0, files: 0, reservedBytes: 6000, quotaBytes: QUOTA });

    const refused = await createUpload(s.api, user.token, { length: 5000, metadata: { filename: 'b.bin' } });
    expect(refused.status).toBe(413);
    expect(errorCode(refused)).toBe('quota_exceeded');
    expect(await used(user.token)).toBe(6000);

    expect((await s.api.request('DELETE', first.path, { token: user.token, headers: TUS_RESUMABLE })).status).toBe(204);
    await expect.poll(async () => await used(user.token)).toBe(0);
    const fits = await uploadFile(s.api, user.token, randomData(5000), { filename: 'b.bin' });
    expect(await usage(user.token)).toEqual({ bytes: 5000, files: 1, reservedBytes: 0, quotaBytes: QUOTA });
    // Deleting a finished file gives its bytes back.
    expect((await s.api.delete(`/api/files/${fits}`, user.token)).status).toBe(204);
    expect(await usage(user.token)).toEqual({ bytes: 0, files: 0, reservedBytes: 0, quotaBytes: QUOTA });
  });

  it('of two concurrent creations that together pass the quota, one gets 413', async () => {
    for (let round = 0; round < 3; round++) {
      const user = await s.api.newUser('race');
      const results = await Promise.all([0, 1].map(() => createUpload(s.api, user.token, { length: 6000, metadata: { filename: 'r.bin' } })));
      expect(results.map((r) => r.status).sort()).toEqual([201, 413]);
      expect(await used(user.token)).toBe(6000);
    }
  });

  it("uses an account's own quota over the default", async () => {
    const user = await s.api.newUser('own-quota');
    await s.api.patch(`/api/admin/users/${user.id}`, { quotaBytes: 20_000 }, admin);
    expect((await createUpload(s.api, user.token, { length: 15_000, metadata: { filename: 'big.bin' } })).status).toBe(201);
    await s.api.patch(`/api/admin/users/${user.id}`, { quotaBytes: 100 }, admin);
    expect((await createUpload(s.api, user.token, { length: 1, metadata: { filename: 'one.bin' } })).status).toBe(413);
    expect((await s.api.get(`/api/admin/users?q=${user.email}`, admin)).body.items[0].usage).toEqual({
      bytes: 0,
      files: 0,
      reservedBytes: 15_000,
      quotaBytes: 100,
    });
  });

  it('stops a deferred-length upload at the quota', async () => {
    const user = await s.api.newUser('deferred');
    const created = await createUpload(s.api, user.token, { metadata: { filename: 'd.bin' } });
    expect(created.status).toBe(201);
    expect((await patchUpload(s.api, user.token, created.path, 0, randomData(4000))).status).toBe(204);
    const over = await patchUpload(s.api, user.token, created.path, 4000, randomData(8000));
    expect(over.status).toBe(413);
    expect(errorCode(over)).toBe('quota_exceeded');
    const head = await s.api.request('HEAD', created.path, { token: user.token, headers: TUS_RESUMABLE });
    expect(Number(head.headers.get('upload-offset'))).toBeLessThanOrEqual(QUOTA);
    expect(await used(user.token)).toBeLessThanOrEqual(QUOTA);
  });

  it('stops a multipart upload at the quota and leaves nothing behind', async () => {
    const user = await s.api.newUser('form');
    const over = await postForm(user.token, randomData(QUOTA + 1));
    expect(over.status).toBe(413);
    expect(errorCode(over)).toBe('quota_exceeded');
    expect(await usage(user.token)).toEqual({ bytes: 0, files: 0, reservedBytes: 0, quotaBytes: QUOTA });
    const ok = await postForm(user.token, randomData(QUOTA));
    expect(ok.status).toBe(201);
    expect(await usage(user.token)).toEqual({ bytes: QUOTA, files: 1, reservedBytes: 0, quotaBytes: QUOTA });
  });

  it('releases the reservation of an upload that expires', async () => {
    const user = await s.api.newUser('expiry');
    expect((await createUpload(s.api, user.token, { length: 9000, metadata: { filename: 'e.bin' } })).status).toBe(201);
    expect(await used(user.token)).toBe(9000);
    await sleep(2000);
    await expect.poll(async () => await used(user.token), { timeout: 10_000, interval: 250 }).toBe(0);
  });
});
