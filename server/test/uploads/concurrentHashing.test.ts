import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledFile, startTestServer, type TestServer } from '../helpers/testServer.js';
import { createUpload, patchUpload, randomData, sha256 } from '../helpers/tus.js';

const MiB = 1024 * 1024;

describe('uploads hashed at the same time', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer();
    token = (await s.api.newUser('hashing')).token;
  });
  afterAll(() => s?.stop());

  // The server keeps one hasher for every upload and refills the memory its hash threads give
  // back: uploads interleaving their requests must still each get the digest of their own bytes.
  it('each get the SHA-256 of their own bytes, sent in PATCHes that split the MiB batches', async () => {
    const datas = Array.from({ length: 6 }, (_, i) => randomData(3 * MiB + 512 * 1024 + i * 4099));
    const ids = await Promise.all(
      datas.map(async (data, i) => {
        const created = await createUpload(s.api, token, { length: data.length, metadata: { filename: `hashing-${i}.bin` } });
        expect(created.status).toBe(201);
        const step = 1.25 * MiB + i * 1000;
        for (let offset = 0; offset < data.length; offset += step) {
          const res = await patchUpload(s.api, token, created.path, offset, data.subarray(offset, offset + step));
          expect(res.status).toBe(204);
        }
        return created.id;
      }),
    );
    for (const [i, id] of ids.entries()) expect((await settledFile(s.api, token, id)).sha256).toBe(sha256(datas[i]!));
  });
});
