import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledFile, startTestServer, storedBytes, withDatabase, type TestServer } from '../helpers/testServer.js';
import { randomData, sha256 } from '../helpers/tus.js';
import { runTusClient } from '../helpers/tusClient.js';

const MiB = 1024 * 1024;

describe('tus-js-client with parallelUploads (concatenation)', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer();
    token = (await s.api.newUser('parallel')).token;
  });
  afterAll(() => s?.stop());

  it('uploads 200 MiB as 4 partials joined into one file, byte-exact, with the partials gone', { timeout: 180_000 }, async () => {
    const data = randomData(200 * MiB);
    const run = await runTusClient(data, {
      endpoint: `${s.url}/api/uploads/`,
      token,
      metadata: { filename: 'parallel.bin', filetype: 'application/octet-stream' },
      chunkSize: 16 * MiB,
      parallelUploads: 4,
    });
    expect(run.error).toBeUndefined();
    expect(run.outcome).toBe('finished');
    const id = new URL(run.url).pathname.split('/').pop()!;
    expect(sha256(await storedBytes(s, id))).toBe(sha256(data));
    const file = await settledFile(s.api, token, id);
    expect(file).toMatchObject({ id, filename: 'parallel.bin', size: data.length, status: 'processed', sha256: sha256(data) });
    // One upload record remains: the final one, which is the file. The partials are gone.
    const rows = await withDatabase(s, (db) => db.selectFrom('uploads').select(['id', 'concat']).execute());
    expect(rows).toEqual([{ id, concat: 'final' }]);
    const listed = await s.api.get('/api/files', token);
    expect(listed.body.items.map((f: { id: string }) => f.id)).toEqual([id]);
  });
});
