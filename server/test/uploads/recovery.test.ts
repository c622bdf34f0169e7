import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { FileEvents } from '../../src/files/fileEvents.js';
import { postgresAvailable } from '../helpers/services.js';
import { jobsFor, startTestServer, withDatabase, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

describe.each(databases)('ingestion at start on %s', (database) => {
  let s: TestServer;
  let token: string;
  const created: string[] = [];
  const count = (list: string[], id: string) => list.filter((x) => x === id).length;
  beforeAll(async () => {
    const events = new FileEvents();
    events.on('created', (file) => created.push(file.id));
    // No workers: handed-over jobs stay queued, so the jobs table shows every hand-over.
    s = await startTestServer({ database, events, env: { RUN_WORKERS: 'false' } });
    token = (await s.api.newUser()).token;
  });
  afterAll(() => s?.stop());

  const tamper = (edit: (db: Db) => Promise<unknown>) => withDatabase(s, edit);

  it('turns an upload that finished without a file row into exactly one file', async () => {
    const id = await uploadFile(s.api, token, Buffer.from('all the bytes'), { filename: 'crash.txt', title: 'Crash' });
    expect(count(created, id)).toBe(1);
    // The crash: last byte stored, server gone before the row was written.
    await tamper(async (db) => {
      await db.deleteFrom('files').where('id', '=', id).execute();
      await db.updateTable('uploads').set({ ingested_at: null }).where('id', '=', id).execute();
    });
    expect((await s.api.get(`/api/files/${id}`, token)).status).toBe(404);

    s = await s.restart();
    const file = await s.api.get(`/api/files/${id}`, token);
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({ id, filename: 'crash.txt', title: 'Crash', size: 13, status: 'uploaded' });
    expect(count(created, id)).toBe(2);
    expect((await jobsFor(s, id)).length).toBe(1);

    s = await s.restart();
    expect(count(created, id)).toBe(2);
    expect((await jobsFor(s, id)).length).toBe(1);
    const listed = await s.api.get('/api/files?limit=100', token);
    expect(listed.body.items.filter((f: { id: string }) => f.id === id)).toHaveLength(1);
  });

  it('hands a file to processing again when the crash came after its row but before the hand-over', async () => {
    const id = await uploadFile(s.api, token, Buffer.from('bytes'), { filename: 'half.txt' });
    await tamper(async (db) => {
      await db.updateTable('uploads').set({ ingested_at: null }).where('id', '=', id).execute();
      await db.deleteFrom('jobs').where('file_id', '=', id).execute();
    });
    expect((await jobsFor(s, id)).length).toBe(0);

    s = await s.restart();
    expect((await jobsFor(s, id)).length).toBe(1);
    expect(count(created, id)).toBe(1);
  });

  it('leaves unfinished uploads alone and resumable', async () => {
    const upload = await createUpload(s.api, token, { length: 6, metadata: { filename: 'later.txt' } });
    await patchUpload(s.api, token, upload.path, 0, Buffer.from('abc'));
    s = await s.restart();
    expect((await s.api.get(`/api/files/${upload.id}`, token)).status).toBe(404);
    const head = await s.api.request('HEAD', upload.path, { token, headers: TUS_RESUMABLE });
    expect(head.headers.get('upload-offset')).toBe('3');
    expect((await patchUpload(s.api, token, upload.path, 3, Buffer.from('def'))).status).toBe(204);
    expect((await s.api.get(`/api/files/${upload.id}`, token)).body.size).toBe(6);
  });
});
