import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileEvents } from '../../src/files/fileEvents.js';
import { postgresAvailable } from '../helpers/services.js';
import { errorCode, isStored, startTestServer, storageOf, storedKeys, withDatabase, type TestServer } from '../helpers/testServer.js';
import { createUpload, randomData, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

// A short UPLOAD_EXPIRATION makes the maintenance loop tick every second, so sweeps are quick to see.
const FAST_SWEEPS = { UPLOAD_EXPIRATION: '2s' };

describe.each(databases)('file expiry on %s', (database) => {
  let s: TestServer;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  const deleted: string[] = [];

  beforeAll(async () => {
    const events = new FileEvents();
    events.on('deleted', ({ id }) => deleted.push(id));
    s = await startTestServer({ database, events, env: { ...FAST_SWEEPS, RUN_WORKERS: 'false' } });
    alice = await s.api.newUser('alice');
    bob = await s.api.newUser('bob');
  });
  afterAll(() => s?.stop());

  const upload = (metadata: Record<string, string> = { filename: 'f.bin' }) => uploadFile(s.api, alice.token, randomData(64), metadata);

  it('keeps files forever unless told otherwise', async () => {
    const id = await upload();
    expect((await s.api.get(`/api/files/${id}`, alice.token)).body.expiresAt).toBeNull();
  });

  it('PATCH sets expiresAt to a future time or null; a past or malformed one is 400 invalid_expires_at', async () => {
    const id = await upload();
    const at = new Date(Date.now() + 3600_000);
    const set = await s.api.patch(`/api/files/${id}`, { expiresAt: at.toISOString().replace('Z', '+00:00') }, alice.token);
    expect(set.status).toBe(200);
    expect(set.body.expiresAt).toBe(at.toISOString());
    for (const expiresAt of [new Date(Date.now() - 1000).toISOString(), 'soon', '2026-13-01T00:00:00Z', 12345, '']) {
      const res = await s.api.patch(`/api/files/${id}`, { expiresAt }, alice.token);
      expect([res.status, errorCode(res)], String(expiresAt)).toEqual([400, 'invalid_expires_at']);
    }
    expect((await s.api.get(`/api/files/${id}`, alice.token)).body.expiresAt).toBe(at.toISOString());
    const cleared = await s.api.patch(`/api/files/${id}`, { expiresAt: null }, alice.token);
    expect(cleared.body.expiresAt).toBeNull();
    expect((await s.api.patch(`/api/files/${id}`, { expiresAt: at.toISOString() }, bob.token)).status).toBe(404);
  });

  it('deletes an expired file completely within the sweep: row, bytes, derived files, file:deleted', async () => {
    const id = await upload();
    const keep = await upload();
    await s.api.patch(`/api/files/${id}`, { expiresAt: new Date(Date.now() + 3600_000).toISOString() }, alice.token);
    await s.api.patch(`/api/files/${keep}`, { expiresAt: new Date(Date.now() + 3600_000).toISOString() }, alice.token);
    await (await storageOf(s)).blobs.put(`derived/${id}/thumbnail.webp`, Readable.from([Buffer.from('x')]));
    expect(await isStored(s, id)).toBe(true);
    // Passing time, as the database sees it.
    await withDatabase(s, (db) =>
      db
        .updateTable('files')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', id)
        .execute(),
    );
    await expect.poll(() => deleted, { timeout: 30_000 }).toContain(id);
    expect((await s.api.get(`/api/files/${id}`, alice.token)).status).toBe(404);
    expect(await isStored(s, id)).toBe(false);
    expect(await storedKeys(s, `derived/${id}/`)).toEqual([]);
    expect(await withDatabase(s, (db) => db.selectFrom('uploads').select('id').where('id', '=', id).execute())).toEqual([]);
    expect((await s.api.get(`/api/files/${keep}`, alice.token)).status).toBe(200);
    expect(deleted.filter((d) => d === id)).toHaveLength(1);
  });

  it('takes tus metadata `expires` as an ISO time or seconds; anything else is 400 invalid_metadata', async () => {
    const at = new Date(Date.now() + 2 * 3600_000).toISOString();
    const iso = await upload({ filename: 'iso.bin', expires: at });
    expect((await s.api.get(`/api/files/${iso}`, alice.token)).body.expiresAt).toBe(at);
    const before = Date.now();
    const seconds = await upload({ filename: 'seconds.bin', expires: '3600' });
    const expiresAt = Date.parse((await s.api.get(`/api/files/${seconds}`, alice.token)).body.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    for (const expires of ['tomorrow', '0', '-5', new Date(Date.now() - 60_000).toISOString(), '1.5']) {
      const res = await createUpload(s.api, alice.token, { length: 1, metadata: { filename: 'bad.bin', expires } });
      expect([res.status, errorCode(res)], expires).toEqual([400, 'invalid_metadata']);
    }
  });

  it('sweeps a file whose metadata `expires` is a few seconds away', async () => {
    const id = await upload({ filename: 'brief.bin', expires: '1' });
    await expect.poll(() => deleted, { timeout: 30_000 }).toContain(id);
    expect((await s.api.get(`/api/files/${id}`, alice.token)).status).toBe(404);
  });
});

describe('DEFAULT_FILE_TTL', () => {
  let s: TestServer;
  const deleted: string[] = [];
  beforeAll(async () => {
    const events = new FileEvents();
    events.on('deleted', ({ id }) => deleted.push(id));
    s = await startTestServer({ events, env: { ...FAST_SWEEPS, DEFAULT_FILE_TTL: '3s', RUN_WORKERS: 'false' } });
  });
  afterAll(() => s?.stop());

  it('gives new files an expiresAt that far ahead, and the sweep deletes them', async () => {
    const user = await s.api.newUser();
    const id = await uploadFile(s.api, user.token, randomData(10), { filename: 'short-lived.bin' });
    const file = (await s.api.get(`/api/files/${id}`, user.token)).body;
    expect(Date.parse(file.expiresAt) - Date.parse(file.createdAt)).toBe(3000);
    // An upload that names its own expiry keeps it.
    const later = new Date(Date.now() + 3600_000).toISOString();
    const kept = await uploadFile(s.api, user.token, randomData(10), { filename: 'kept.bin', expires: later });
    await expect.poll(() => deleted, { timeout: 30_000 }).toContain(id);
    expect((await s.api.get(`/api/files/${id}`, user.token)).status).toBe(404);
    expect((await s.api.get(`/api/files/${kept}`, user.token)).body.expiresAt).toBe(later);
  });
});

describe.skipIf(!databases.includes('postgres'))('expiry sweeps on two nodes sharing PostgreSQL and STORAGE_DIR', () => {
  let a: TestServer;
  let b: TestServer;
  const announced: string[] = [];
  beforeAll(async () => {
    const listen = () => {
      const events = new FileEvents();
      events.on('deleted', ({ id }) => announced.push(id));
      return events;
    };
    a = await startTestServer({ database: 'postgres', events: listen(), env: { ...FAST_SWEEPS, RUN_WORKERS: 'false' } });
    b = await startTestServer({
      events: listen(),
      env: { ...FAST_SWEEPS, RUN_WORKERS: 'false', DATABASE_URL: a.config.databaseUrl, STORAGE_DIR: a.storageDir },
    });
  });
  afterAll(async () => {
    // b shares a's database and directory: a's cleanup removes them.
    await b?.close();
    await a?.stop();
  });

  it('deletes each expired file once and announces it once', async () => {
    const user = await a.api.newUser();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await uploadFile(a.api, user.token, randomData(32), { filename: `n${i}.bin` }));
    await withDatabase(a, (db) =>
      db
        .updateTable('files')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', 'in', ids)
        .execute(),
    );
    await expect.poll(async () => (await a.api.get('/api/files?limit=100', user.token)).body.items.length, { timeout: 60_000 }).toBe(0);
    await expect.poll(() => announced.length, { timeout: 10_000 }).toBe(ids.length);
    expect([...announced].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await isStored(a, id)).toBe(false);
  }, 180_000);
});
